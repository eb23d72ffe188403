// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/oci_config.hpp"

/// Exclusive passthrough units at precreate: plan under the allocation lock,
/// claim what the plan chose, and have the runtime keep the claim.
namespace kvpod::hook {

/// The container that asks for units.
struct Claimant {
    std::string container_id;   ///< oci::ContainerFacts::container_id
    std::string container_dir;  ///< oci::ContainerFacts::container_dir; may be empty
    std::string vm;             ///< for the record and the log
};

/// Plans the container's passthrough units. `unavailable`: units other live
/// containers hold; `preferred`: units this container held before. The plan
/// names the units it chose in DevicePlan::claimed_units.
using UnitPlanner =
    std::function<DevicePlan(const std::set<std::string>& unavailable, const std::set<std::string>& preferred)>;

struct AllocationOptions {
    std::string state_dir;                        ///< HookConfig::state_dir
    std::chrono::milliseconds lock_wait{4000};    ///< below the hook's deadline
    std::string hook_binary;                      ///< absolute path of oci-kubevirt-hook, for the runtime hooks
    unsigned debug_stall_after_claim = 0;         ///< test-only: seconds to sleep holding the lock after the claim
};

/// Runs `planner` under the allocation lock. When the plan is ok, its units
/// are claimed for the container (a pending claim bound to the Podman process
/// that ran this hook) and the createRuntime and poststop runtime hooks are
/// added to its patch. A refused plan claims nothing. Errors (the state
/// directory unusable, a corrupt record, a unit another container holds) mean
/// the container must not start.
DevicePlan plan_exclusive(const Claimant& claimant, const AllocationOptions& options, const UnitPlanner& planner);

/// The runtime hooks that keep and release a claim, as config entries.
std::vector<oci::RuntimeHook> allocation_runtime_hooks(const std::string& hook_binary, const std::string& state_dir);

}  // namespace kvpod::hook
