// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "core/serial_console.hpp"

/// `kubevirt-vm-to-pod console VM`: the VM's serial console. It finds the
/// compute container with `podman container inspect`, connects from the
/// host to QEMU's serial socket in the container's private volume, and
/// relays stdin and stdout to it (core/serial_console.hpp says what it
/// connects to, host/serial_console.hpp how).
namespace kvpod::vm2pod {

struct ConsoleOptions {
    std::string vm;
    std::string namespace_name;  ///< when given, the VM must be of this namespace
    std::string podman = "podman";
    int idle_ms = 2000;  ///< after stdin ends, how long the console may be quiet before console ends
};

/// The running compute container of VM `vm` (of `namespace_name` when not
/// empty), as `podman container inspect` describes it; an Error saying what
/// to do when it is not running. console, vnc and screenshot share it.
console::ComputeContainer find_compute_container(const std::string& vm, const std::string& namespace_name,
                                                 const std::string& podman);

/// Attaches until the user detaches (Ctrl+] on a terminal), the console
/// closes (the VM stopped), or stdin ended and the console was then quiet
/// for idle_ms. Returns the exit status: 0, or 128 + N after signal N. An
/// Error when it cannot attach, before anything reached stdout.
int run_console(const ConsoleOptions& options);

}  // namespace kvpod::vm2pod
