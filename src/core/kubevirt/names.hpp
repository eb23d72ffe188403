// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

/// Names KubeVirt derives from a VM's name, shared by the converter and the hook.
namespace kvpod::kubevirt {

/// IsDNS1123Subdomain: what the API server takes as an object's name
/// ([a-z0-9-] labels joined by dots, at most 253 characters).
bool is_dns_subdomain(std::string_view name);

/// CalculateVirtualMachineInstanceID (label vmi.kubevirt.io/id): the name
/// itself up to 63 characters, else its first 54, "-" and 8 hex digits of
/// its SHA-1.
std::string instance_id(std::string_view vm_name);

/// The value of the pod annotation kubevirt-vm-to-pod/vm for a VM: a marker
/// that fits Podman 4.x's 63-character limit on kube-play annotation values.
inline std::string vm_marker(std::string_view vm_name) { return instance_id(vm_name); }

/// The Pod the converter renders for a VM (KubeVirt adds a random suffix; one
/// host runs one Pod per VM, so the name alone identifies it).
inline std::string launcher_pod_name(std::string_view vm_name) { return "virt-launcher-" + std::string(vm_name); }

/// The systemd service that runs a VM's Pod: named after the Pod, as Quadlet
/// names the service of <pod>.kube; the plain unit for Podman 4.3 uses the same
/// name, so list/start/stop find either.
inline std::string unit_name(std::string_view vm_name) { return launcher_pod_name(vm_name) + ".service"; }

/// The libvirt domain virt-launcher defines for a VMI (VMINamespaceKeyFunc:
/// "<namespace>_<name>"), which virsh in the compute container names.
inline std::string domain_name(std::string_view namespace_name, std::string_view vm_name) {
    return std::string(namespace_name) + "_" + std::string(vm_name);
}

}  // namespace kvpod::kubevirt
