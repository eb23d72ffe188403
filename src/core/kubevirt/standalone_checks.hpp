// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// What a VM may not use when virt-launcher runs standalone under Podman:
/// features served by Kubernetes, CDI, Multus, virt-controller or
/// virt-handler, none of which exist there.
namespace kvpod::kubevirt {

/// Checks `vmi_spec` (after the instancetype and preference) and, for a VM,
/// `vm` (null for a VMI). Every unsupported feature is collected into one
/// Error, in a fixed order (volumes, spec-level lists, devices, firmware,
/// networks, interfaces), with this stable format:
///
///   "<source>: unsupported in standalone mode: <pointer>: <feature> needs <what>; <alternative> | <pointer>: ..."
///
/// e.g. "vm.yaml: unsupported in standalone mode: /spec/template/spec/volumes/1/configMap:
/// a configMap volume needs the Kubernetes API; pass the files with cloudInitNoCloud userData,
/// or on a hostDisk or containerDisk". (dataVolumeTemplates are read by
/// read_data_volume_templates, datavolume.hpp.)
///
/// Features that work but lose something standalone get a Diagnostic each
/// (dedicated CPUs, vsock, downward metrics, Multus networks with --no-passt).
void check_standalone_support(const Json* vm, const Json& vmi_spec, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
