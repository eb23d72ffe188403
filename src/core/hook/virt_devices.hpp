// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/hook/hook_config.hpp"
#include "core/kubevirt/vm_document.hpp"

/// /dev/kvm, /dev/net/tun and /dev/vhost-net, by KubeVirt's rules for when a
/// VMI needs each (pkg/network/vmispec/devices.go, renderresources.go
/// getRequiredResources).
namespace kvpod::hook {

inline constexpr const char* kKvmPath = "/dev/kvm";
inline constexpr const char* kTunPath = "/dev/net/tun";
inline constexpr const char* kVhostNetPath = "/dev/vhost-net";

enum class Need { Required, Optional };

struct VirtDeviceWant {
    std::string name;  ///< "kvm", "tun", "vhost-net"
    std::string path;
    Need need = Need::Optional;
    std::string why;
};

/// The virtualization devices `vm` needs, in a fixed order (kvm, tun, vhost-net).
std::vector<VirtDeviceWant> virt_device_wants(const kubevirt::VmDocument& vm, const HookConfig& config);

/// The uid the VM's processes run as: status.runtimeUser, else 107 (KubeVirt's
/// non-root default).
std::uint32_t runtime_user(const kubevirt::VmDocument& vm);

/// Adds the wanted nodes that the host has; a required one it lacks becomes a
/// refusal, an optional one a skipped row.
void plan_virt_devices(const std::vector<VirtDeviceWant>& wants, const HostNodes& host, std::uint32_t owner,
                       DevicePlan& plan);

}  // namespace kvpod::hook
