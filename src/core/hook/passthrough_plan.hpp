// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/hook_config.hpp"
#include "core/hook/host_inventory.hpp"
#include "core/hook/units.hpp"
#include "core/kubevirt/vm_document.hpp"

/// GPU and PCI passthrough: a VM's gpus[] and hostDevices[] entries against
/// the host's inventory, into nodes, cgroup rules, env and RLIMIT_MEMLOCK.
namespace kvpod::hook {

struct PassthroughContext {
    const HookConfig& config;
    const HostInventory& inventory;
    /// Unit keys held by other live containers (exclusive allocation).
    const std::set<std::string>& unavailable;
    /// Unit keys this same container held before; kept when still usable.
    const std::set<std::string>& preferred;
    std::uint32_t owner = 107;
    const kubevirt::Json& vmi_spec;  ///< for RLIMIT_MEMLOCK
    /// Refuse for the hook; Give for --mount-devices, which writes a GPU on
    /// its host driver's nodes into the Pod with a warning.
    HostGpuNodes host_gpus = HostGpuNodes::Refuse;
};

/// What discovery must look at for `requests`; `pci` and `mediated` stay
/// false when no entry can be served whatever the host has (bad names,
/// policy), so a refused VM costs no scan. GPUs on their host drivers are
/// candidates only with HostGpuNodes::Give.
InventoryQuery passthrough_query(const std::vector<DeviceRequest>& requests, const HookConfig& config,
                                 HostGpuNodes host_gpus = HostGpuNodes::Refuse);

/// Adds a row per entry (granted or refused) and the shared nodes. Entries of
/// one resource name share one env variable, values in entry order, and are
/// all PCI functions or all mediated devices (virt-launcher reads both
/// variables for every entry of a name: a mix would give one entry two
/// <hostdev>s under one alias). Sets `plan.claimed_units` to the units
/// handed out and `plan.launcher` to what virt-launcher makes of each entry.
void plan_passthrough(const std::vector<DeviceRequest>& requests, const PassthroughContext& context, DevicePlan& plan);

}  // namespace kvpod::hook
