// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

/// `kubevirt-vm-to-pod vnc VM` and `screenshot VM FILE`: the VM's display.
/// Both find the compute container as console does, then reach QEMU's VNC
/// socket (core/vnc.hpp says where) in the VM's private volume from the host.
namespace kvpod::vm2pod {

struct VncOptions {
    std::string vm;
    std::string namespace_name;
    std::string podman = "podman";
    std::string listen = "127.0.0.1:0";  ///< --listen; port 0: a free one
};

/// Relays TCP viewers on --listen to the VM's VNC socket until SIGINT,
/// SIGTERM or SIGHUP (exit 0); prints the address on stdout once listening.
/// An Error before listening (VM not running, no socket, port in use), or
/// when the VM's socket goes away while it relays.
int run_vnc(const VncOptions& options);

struct ScreenshotOptions {
    std::string vm;
    std::string file;  ///< PNG; "-" is stdout
    std::string namespace_name;
    std::string podman = "podman";
    int timeout_ms = 20000;
};

/// Reads the VM's screen over its VNC socket and writes it as a PNG file,
/// whole or not at all. Prints "WIDTHxHEIGHT FILE" on stderr.
int run_screenshot(const ScreenshotOptions& options);

}  // namespace kvpod::vm2pod
