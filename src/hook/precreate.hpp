// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/hook/hook_config.hpp"

/// The precreate stage: discover → plan → patch, wired to the real host.
namespace kvpod::hook {

struct RunOptions {
    std::string host_root = "/";
    std::string config_path;
    /// The program the runtime hooks run (createRuntime, poststop); empty
    /// means this one (/proc/self/exe). Tests fix it for stable goldens.
    std::string hook_binary;
    unsigned debug_stall_after_claim = 0;  ///< test-only, see main.cpp
};

/// Loads the hook's configuration; a missing file means the defaults.
HookConfig load_config(const std::string& path);

/// Turns the proposed runtime config into the one to run. Returns the input
/// itself, byte for byte, when the container is not a VM's compute container.
/// Throws Error when the container must not start.
std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config);

}  // namespace kvpod::hook
