// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/kubevirt/expansion.hpp"

/// The VM-level steps before a VMI exists: the VM mutating webhook's
/// architecture and machine type (pkg/defaults SetVirtualMachineDefaults,
/// after the instancetype mutator's preference values), and virt-controller's
/// SetupVMIFromVM and AutoAttachInputDevice (pkg/virt-controller/watch/vm).
namespace kvpod::kubevirt {

/// True for the architectures KubeVirt v1.8 knows: amd64, arm64, s390x.
bool is_supported_architecture(std::string_view arch);

/// The default machine type of the default cluster configuration:
/// q35 (amd64 and anything else), virt (arm64), s390-ccw-virtio (s390x).
std::string default_machine_type(std::string_view arch);

/// Sets spec.architecture when empty (then checks it is supported) from
/// options.host_architecture. An unsupported VM or host architecture is an
/// Error naming where it came from.
void set_default_architecture(Json& vmi_spec, const ExpansionContext& ctx);

/// SetVirtualMachineDefaults on a VM's template spec: the preference's
/// preferredArchitecture and preferredMachineType first (the instancetype
/// mutator), then the default architecture and machine type.
/// `preference_spec` may be null.
void apply_vm_defaults(Json& template_spec, const Json* preference_spec, const ExpansionContext& ctx);

/// SetupVMIFromVM: a VMI (apiVersion, kind, metadata, spec) from a
/// normalised VM. Metadata is the template's, with the VM's name, its
/// namespace ("default" when it has none) and one controller reference to
/// the VM; the firmware UUID is legacy_firmware_uuid() when unset; volumes
/// without a disk or filesystem get a disk.
Json setup_vmi_from_vm(const Json& vm, const std::string& namespace_name);

/// util.SetDefaultVolumeDisk: appends {name} to disks for each volume that no
/// disk or filesystem names.
void set_default_volume_disks(Json& vmi_spec);

/// AutoAttachInputDevice: with devices.autoattachInputDevice true and no
/// inputs, adds the input {name: default-0}.
void auto_attach_input_device(Json& vmi_spec);

}  // namespace kvpod::kubevirt
