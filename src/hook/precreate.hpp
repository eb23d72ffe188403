// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "core/hook/hook_config.hpp"

/// The precreate stage: discover → plan → patch, wired to the real host.
namespace kvpod::hook {

struct RunOptions {
    std::string host_root = "/";
    std::string config_path;
    /// Allocation units (DevicePlan::claimed_units keys) held by other live
    /// containers, and by this container before; exclusive allocation fills
    /// them, empty sets plan without allocation.
    std::set<std::string> unavailable_units;
    std::set<std::string> preferred_units;
};

/// Loads the hook's configuration; a missing file means the defaults.
HookConfig load_config(const std::string& path);

/// Turns the proposed runtime config into the one to run. Returns the input
/// itself, byte for byte, when the container is not a VM's compute container.
/// Throws Error when the container must not start.
std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config);

}  // namespace kvpod::hook
