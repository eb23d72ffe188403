// SPDX-License-Identifier: Apache-2.0
#include "hook/device_flow.hpp"

#include "core/error.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/passthrough_plan.hpp"
#include "core/hook/virt_devices.hpp"
#include "host/device_discovery.hpp"
#include "host/log.hpp"

namespace kvpod::hook {
namespace {

DevicePlan plan_with(const DeviceFlow& flow, const HostNodes& virt_nodes, const std::vector<DeviceRequest>& requests,
                     const HostInventory& inventory) {
    DevicePlan plan;
    std::uint32_t owner = runtime_user(flow.vm);
    plan_virt_devices(virt_device_wants(flow.vm, flow.config), virt_nodes, owner, plan);
    PassthroughContext context{flow.config, inventory, flow.unavailable, flow.preferred, owner, flow.vm.vmi_spec};
    plan_passthrough(requests, context, plan);
    return plan;
}

HostInventory discover(const DeviceFlow& flow, const InventoryQuery& query) {
    auto inventory = with_context("inspecting the host's PCI devices", [&] {
        return host::discover_devices(flow.root, query);
    });
    for (const auto& warning : inventory.warnings) log::warning(warning);
    return inventory;
}

}  // namespace

DevicePlan plan_devices(const DeviceFlow& flow) {
    std::vector<std::string> paths;
    for (const auto& want : virt_device_wants(flow.vm, flow.config)) paths.push_back(want.path);
    auto virt_nodes = with_context("inspecting the host", [&] { return flow.root.device_nodes(paths); });

    auto requests = read_device_requests(flow.vm, flow.spec_source);
    InventoryQuery query = passthrough_query(requests, flow.config);
    query.names = query.names || flow.names;
    bool discovers = query.pci || query.mediated;
    HostInventory inventory = discovers ? discover(flow, query) : HostInventory{};
    DevicePlan plan = plan_with(flow, virt_nodes, requests, inventory);
    if (plan.ok() || !discovers) return plan;
    // The candidates did not do; look at everything to say what exists.
    query.complete = true;
    return plan_with(flow, virt_nodes, requests, discover(flow, query));
}

}  // namespace kvpod::hook
