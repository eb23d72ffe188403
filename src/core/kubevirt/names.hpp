// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

/// Names KubeVirt derives from a VM's name, shared by the converter and the hook.
namespace kvpod::kubevirt {

/// CalculateVirtualMachineInstanceID (label vmi.kubevirt.io/id): the name
/// itself up to 63 characters, else its first 54, "-" and 8 hex digits of
/// its SHA-1.
std::string instance_id(std::string_view vm_name);

/// The value of the pod annotation kubevirt-vm-to-pod/vm for a VM: a marker
/// that fits Podman 4.x's 63-character limit on kube-play annotation values.
inline std::string vm_marker(std::string_view vm_name) { return instance_id(vm_name); }

}  // namespace kvpod::kubevirt
