// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>

#include "core/vnc.hpp"
#include "host/serial_console.hpp"

/// The host half of `kubevirt-vm-to-pod vnc` and `screenshot`: a TCP
/// listener, the relay from each viewer to the VM's VNC socket, and reading
/// one screen from that socket. What the bytes mean is core/vnc.hpp.
namespace kvpod::host {

/// A listening TCP socket and the address it got (the port filled in when 0 was asked).
struct Listener {
    int fd = -1;  ///< close-on-exec, the caller's to close
    vnc::ListenAddress address;
};

/// Listens on `address`. An Error when the port is in use, the address is
/// not this host's, or the port needs privileges.
Listener listen_tcp(const vnc::ListenAddress& address);

struct VncServeHooks {
    /// A fresh connection to the VM's VNC socket, for each viewer.
    std::function<SocketConnection()> connect;
    /// The Error for a failed connection: it ends serve_vnc.
    std::function<Error(const SocketConnection&)> failure;
    /// One line for the user (stderr): a viewer came or left.
    std::function<void(const std::string&)> notice;
};

/// Accepts viewers on `listen_fd` until SIGINT, SIGTERM or SIGHUP, relaying
/// each (in a thread of its own, so several may watch at once) to a new
/// connection to the VM's socket; a viewer that leaves closes its
/// connection, and the next one gets a new one. Returns the signal that
/// ended it. Throws hooks.failure's Error when the VM's socket cannot be
/// reached for a new viewer (the VM stopped): that viewer is closed first.
int serve_vnc(int listen_fd, const VncServeHooks& hooks);

/// Reads the whole screen from a connected VNC socket (core/vnc.hpp's
/// client). An Error when the server sends nothing for `timeout_ms`, closes
/// early, or says what the client cannot take.
vnc::Image read_screen(int socket_fd, int timeout_ms);

/// Writes `data` to `path` whole or not at all: a temporary file beside it,
/// renamed over it. "-" is stdout.
void write_file_whole(const std::string& path, const std::string& data);

}  // namespace kvpod::host
