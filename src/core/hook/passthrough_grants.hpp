// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/host_inventory.hpp"
#include "core/hook/resolution.hpp"
#include "core/hook/units.hpp"
#include "core/kubevirt/vm_document.hpp"

namespace kvpod::hook {

/// Turns chosen units into nodes, env and rlimits, and adds the nodes they
/// share (the VFIO container; for --mount-devices' host-driver GPUs NVIDIA's
/// control nodes and /dev/kfd) once.
class GrantBuilder {
public:
    GrantBuilder(const HostInventory& inventory, std::uint32_t owner, DevicePlan& plan)
        : inventory_(inventory), owner_(owner), plan_(plan) {}

    /// Grants `unit` to `request`: its own nodes and its env value. Returns
    /// the row to show; the caller records the claim.
    PlanRow grant(const DeviceRequest& request, const Resolution& resolution, const Unit& unit);

    /// Adds the shared nodes (a refusal when a required one is missing), the
    /// env variables and RLIMIT_MEMLOCK sized from `vmi_spec`.
    void finish(const kubevirt::Json& vmi_spec);

private:
    void add_env(const std::string& name, const std::string& value);
    void shared_node(const std::string& request, const std::string& path, std::optional<std::int64_t> major,
                     std::optional<std::int64_t> minor, bool required, const std::string& why, const std::string& fix);

    const HostInventory& inventory_;
    std::uint32_t owner_;
    DevicePlan& plan_;
    std::vector<std::pair<std::string, std::vector<std::string>>> env_;
    // The entries that use each shared node, for the plan's rows.
    std::vector<std::string> vfio_users_;
    std::vector<std::string> iommufd_users_;
    std::vector<std::string> nvidia_users_;
    std::vector<std::string> kfd_users_;
    std::size_t granted_ = 0;
};

}  // namespace kvpod::hook
