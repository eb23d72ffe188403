// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/host_devices.hpp"

#include <set>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/device_plan.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/hook_config.hpp"
#include "core/hook/passthrough_plan.hpp"
#include "core/hook/virt_devices.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "host/device_discovery.hpp"
#include "host/files.hpp"
#include "host/host_root.hpp"

namespace kvpod::vm2pod {
namespace {

/// The hook's configuration (permittedHostDevices, the passthrough policy):
/// --mount-devices resolves GPUs and host devices by the same rules.
hook::HookConfig load_hook_config(const std::string& path, bool given) {
    hook::HookConfig config;
    if (!path.empty()) {
        auto text = with_context("--mount-devices: reading the hook's configuration", [&] {
            return host::read_file(path, 1024 * 1024, !given);
        });
        if (text) config = hook::parse_hook_config(document::parse_yaml(*text, path), path);
    }
    // Standalone virt-launcher always allows emulation: a host without
    // /dev/kvm leaves the node out instead of refusing the Pod.
    config.allow_emulation = true;
    return config;
}

/// What leaving a node out means for the VM, in the converter's words.
std::string consequence(const hook::PlanRow& row) {
    if (row.request == "kvm") return "virt-launcher falls back to software emulation (slow)";
    if (row.request == "tun") return "passt does not need it; tap-based bindings would fail (modprobe tun)";
    if (row.request == "vhost-net") return "QEMU uses its userspace virtio-net (modprobe vhost_net)";
    return "virt-launcher will refuse the VM (its GPUs and host devices must all be there)";
}

}  // namespace

kubevirt::HostDeviceMounts discover_device_mounts(const kubevirt::Json& vmi, const MountDevicesOptions& options,
                                                  kubevirt::Diagnostics& diagnostics) {
    auto vm = kubevirt::read_vm_document(vmi, "the expanded VMI");
    hook::HookConfig config = load_hook_config(options.hook_config, options.hook_config_given);
    host::HostRoot root(options.host_root);

    std::vector<std::string> paths;
    for (const auto& want : hook::virt_device_wants(vm, config)) paths.push_back(want.path);
    auto nodes = with_context("--mount-devices: inspecting the host", [&] { return root.device_nodes(paths); });
    auto requests = hook::read_device_requests(vm, "the expanded VMI");
    // Hosts without the hook get GPU-SUPPORT.md's vendor-table nodes for a GPU
    // on its host driver, with a warning: virt-launcher does not attach it.
    hook::InventoryQuery query = hook::passthrough_query(requests, config, hook::HostGpuNodes::Give);
    hook::HostInventory inventory;
    if (query.pci || query.mediated) {
        inventory = with_context("--mount-devices: inspecting the host's PCI devices",
                                 [&] { return host::discover_devices(root, query); });
        for (const auto& warning : inventory.warnings) diagnostics.push_back({"--mount-devices", warning});
    }

    hook::DevicePlan plan;
    std::uint32_t owner = hook::runtime_user(vm);
    hook::plan_virt_devices(hook::virt_device_wants(vm, config), nodes, owner, plan);
    const std::set<std::string> none;
    hook::PassthroughContext context{config, inventory, none, none, owner, vm.vmi_spec, hook::HostGpuNodes::Give};
    hook::plan_passthrough(requests, context, plan);

    kubevirt::HostDeviceMounts mounts;
    for (const auto& device : plan.patch.devices) mounts.nodes.push_back(device.path);
    mounts.env = plan.patch.env;
    for (const auto& row : plan.rows) {
        if (row.status == hook::RowStatus::Granted) continue;
        diagnostics.push_back({"--mount-devices", row.request + ": left out of the Pod: " +
                                                      row.why.substr(0, row.why.find(';')) + "; " + consequence(row)});
    }
    for (const auto& warning : plan.warnings) diagnostics.push_back({"--mount-devices", warning});
    for (const auto& limit : plan.patch.rlimits) {
        std::string n = std::to_string(limit.hard);
        diagnostics.push_back({"--mount-devices", "the VM needs " + limit.type + " of " + n +
                                                      " bytes for VFIO, which a Pod cannot ask for: add default_ulimits = "
                                                      "[\"memlock=" + n + ":" + n + "\"] to containers.conf, or use the hook"});
    }
    return mounts;
}

}  // namespace kvpod::vm2pod
