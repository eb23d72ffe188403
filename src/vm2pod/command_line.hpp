// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "vm2pod/console_cmd.hpp"
#include "vm2pod/convert_cmd.hpp"
#include "vm2pod/lifecycle_cmd.hpp"
#include "vm2pod/install_cmd.hpp"
#include "vm2pod/vnc_cmd.hpp"

/// kubevirt-vm-to-pod's arguments (read with core/arguments.hpp).
namespace kvpod::vm2pod {

enum class Command { Convert, Console, Lifecycle, Install, Uninstall, PodmanSecret, Vnc, Screenshot, Help, Version };

struct CommandLine {
    Command command = Command::Convert;
    CommandOptions convert;  ///< convert
    ConsoleOptions console;  ///< console
    LifecycleOptions lifecycle;  ///< list, status, start, stop, restart
    InstallOptions install;  ///< install (its convert is the convert options)
    UninstallOptions uninstall;
    PodmanSecretOptions podman_secret;  ///< podman-secret
    VncOptions vnc;          ///< vnc
    ScreenshotOptions screenshot;  ///< screenshot
};

/// Reads argv. Throws Error for a usage mistake, naming the argument and
/// pointing at --help. `default_hook_config` is the hook's configuration
/// file, which --mount-devices follows unless --hook-config names another.
CommandLine parse_command_line(int argc, char* const* argv, const std::string& default_hook_config);

/// The text --help prints.
std::string usage(const std::string& default_hook_config);

/// What --version prints: the converter's version, then the version of
/// KubeVirt's common-instancetypes bundle it carries.
std::string version_text();

}  // namespace kvpod::vm2pod
