// SPDX-License-Identifier: Apache-2.0
#include "core/hook/device_plan.hpp"

#include <algorithm>

namespace kvpod::hook {

std::string describe(const HostNode& node) {
    return std::string(1, node.type) + " " + std::to_string(node.major) + ":" + std::to_string(node.minor);
}

void DevicePlan::grant_node(const HostNode& node, std::uint32_t owner) {
    auto& devices = patch.devices;
    bool known = std::any_of(devices.begin(), devices.end(), [&](const oci::DeviceNode& d) { return d.path == node.path; });
    if (known) return;
    // Inside the container the node belongs to the VM's runtime user (107 for
    // non-root virt-launcher), as virt-handler arranges for device-plugin
    // devices; the permission bits stay those of the host node.
    devices.push_back(oci::DeviceNode{node.path, node.type, node.major, node.minor, node.mode, owner, owner});
    patch.allow_rules.push_back(oci::CgroupAllow{node.type, node.major, node.minor, "rwm"});
}

}  // namespace kvpod::hook
