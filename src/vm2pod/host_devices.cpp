// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/host_devices.hpp"

#include "core/error.hpp"
#include "core/hook/device_plan.hpp"
#include "core/hook/virt_devices.hpp"
#include "core/json_util.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "host/host_root.hpp"

namespace kvpod::vm2pod {
namespace {

/// What leaving a node out means for the VM, in the converter's words.
std::string consequence(const hook::PlanRow& row) {
    if (row.request == "kvm") return "virt-launcher falls back to software emulation (slow)";
    if (row.request == "tun") return "passt does not need it; tap-based bindings would fail (modprobe tun)";
    if (row.request == "vhost-net") return "QEMU uses its userspace virtio-net (modprobe vhost_net)";
    return row.why;
}

}  // namespace

kubevirt::HostDeviceMounts discover_device_mounts(const kubevirt::Json& vmi, const std::string& host_root,
                                                  kubevirt::Diagnostics& diagnostics) {
    auto vm = kubevirt::read_vm_document(vmi, "the expanded VMI");
    // Standalone virt-launcher always allows emulation, so a missing
    // /dev/kvm leaves the node out instead of refusing the Pod.
    hook::HookConfig config;
    config.allow_emulation = true;
    auto wants = hook::virt_device_wants(vm, config);
    std::vector<std::string> paths;
    for (const auto& want : wants) paths.push_back(want.path);

    host::HostRoot root(host_root);
    auto nodes = with_context("--mount-devices: inspecting the host", [&] { return root.device_nodes(paths); });
    hook::DevicePlan plan;
    hook::plan_virt_devices(wants, nodes, hook::runtime_user(vm), plan);

    kubevirt::HostDeviceMounts mounts;
    for (const auto& device : plan.patch.devices) mounts.nodes.push_back(device.path);
    mounts.env = plan.patch.env;
    for (const auto& row : plan.rows) {
        if (row.status == hook::RowStatus::Granted) continue;
        diagnostics.push_back({"--mount-devices", row.request + ": left out of the Pod: " + row.why.substr(0, row.why.find(';')) +
                                                      "; " + consequence(row)});
    }
    for (const char* list : {"gpus", "hostDevices"}) {
        const auto* devices = find_path(vmi, {"spec", "domain", "devices", list});
        if (devices && devices->is_array() && !devices->empty())
            diagnostics.push_back({"--mount-devices", std::string(list) +
                                                          ": not mounted by --mount-devices yet; install the hook, which "
                                                          "gives VFIO devices at container start"});
    }
    return mounts;
}

}  // namespace kvpod::vm2pod
