// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

/// `kubevirt-vm-to-pod console VM`, the prior tool's subcommand: the VM's
/// serial console through virsh in the compute container.
namespace kvpod::vm2pod {

struct ConsoleOptions {
    std::string vm;
    std::string namespace_name = "default";
    std::string podman = "podman";
    bool terminal = false;  ///< stdin is a terminal: ask podman exec for one
};

/// The command that attaches to the console: podman exec into
/// virt-launcher-<vm>-compute running `virsh console <namespace>_<vm>`
/// (libvirt's URI comes from the container's VIRSH_DEFAULT_CONNECT_URI).
std::vector<std::string> console_command(const ConsoleOptions& options);

/// Replaces the process with console_command(); returns only on failure,
/// with an Error saying why.
[[noreturn]] void exec_console(const ConsoleOptions& options);

}  // namespace kvpod::vm2pod
