// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "hook/plan_command.hpp"
#include "hook/precreate.hpp"
#include "hook/runtime_hook.hpp"

/// oci-kubevirt-hook's arguments, which Podman gives it at every container
/// start from its hooks.d file (read with core/arguments.hpp).
namespace kvpod::hook {

enum class Command { Precreate, Plan, RuntimeHook, Help, Version };

struct CommandLine {
    Command command = Command::Precreate;
    RunOptions run;           ///< precreate; host_root and config_path also plan
    std::string vm_file;      ///< plan
    std::string instancetype_file;  ///< plan
    std::string preference_file;    ///< plan
    RuntimeStage stage = RuntimeStage::CreateRuntime;  ///< runtime-hook
    std::string state_dir;    ///< runtime-hook
    bool log_stderr = false;  ///< precreate and runtime-hook
};

/// Reads argv. Throws Error for a usage mistake, naming the argument and
/// pointing at --help. `default_config` is the configuration file used
/// when --config is not given.
CommandLine parse_command_line(int argc, char* const* argv, const std::string& default_config);

/// The text --help prints.
std::string usage(const std::string& default_config);

}  // namespace kvpod::hook
