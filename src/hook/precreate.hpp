// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/hook/hook_config.hpp"

/// The precreate stage: discover → plan → patch, wired to the real host.
namespace kvpod::hook {

/// Where the precreate hook keeps the parsed copy of its YAML configuration
/// (host::DocumentCache): beside the default allocation state, root's alone.
inline constexpr const char* kConfigCacheDir = "/run/oci-kubevirt-hook";

struct RunOptions {
    std::string host_root = "/";
    std::string config_path;
    /// The program the runtime hooks run (createRuntime, poststop); empty
    /// means this one (/proc/self/exe). Tests fix it for stable goldens.
    std::string hook_binary;
    unsigned debug_stall_after_claim = 0;  ///< test-only, see main.cpp
    std::string config_cache_dir = kConfigCacheDir;  ///< "" parses the config at every start
    /// The process exits as soon as the output is written: the parsed config
    /// and VM are left for the kernel to take back rather than taken apart
    /// node by node (~0.1M instructions). Only the program sets it.
    bool exits_after = false;
};

/// Loads the hook's configuration; a missing file means the defaults. With a
/// `cache_dir`, a YAML file is parsed once per change, not at every start.
HookConfig load_config(const std::string& path, const std::string& cache_dir = "");

/// Turns the proposed runtime config into the one to run. Returns the input
/// itself, byte for byte, when the container is not a VM's compute container.
/// Throws Error when the container must not start.
std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config);

}  // namespace kvpod::hook
