// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include <termios.h>

#include "core/serial_console.hpp"

/// The host half of `kubevirt-vm-to-pod console`: the serial console's unix
/// socket, the user's terminal, and the relay between them. What to connect
/// to and what the failures mean is core/serial_console.hpp.
namespace kvpod::host {

/// A connected socket, or why there is none.
struct SocketConnection {
    int fd = -1;  ///< connected, close-on-exec, the caller's to close; -1 on failure
    console::SocketProblem problem = console::SocketProblem::other;
    int error_number = 0;  ///< errno of the failure
};

/// Connects a stream socket to the unix socket at `relative` (components
/// separated by '/', no "." or "..") below the directory `dir`. No symbolic
/// link below `dir` is followed: the directory is the VM's volume, which the
/// container can write, and a link there must not point the console at
/// another socket of the host. Any path length works: the socket is opened
/// O_PATH and connected to through /proc/self/fd, so sun_path's 108 bytes
/// never hold the path itself.
SocketConnection connect_socket_beneath(const std::string& dir, const std::string& relative);

/// Whether `fd` is a terminal.
bool is_terminal(int fd);

/// Writes `text` to stderr; a notice, so a stderr that is gone is ignored.
void write_stderr(std::string_view text);

/// The terminal on `fd` in raw mode (cfmakeraw: no echo, no line editing,
/// no signals from ^C or ^Z, no CR/LF translation) for as long as this
/// lives: the guest's own line discipline does all of that. Restored on
/// every way out of the scope, exceptions included.
class RawTerminal {
public:
    explicit RawTerminal(int fd);
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

private:
    int fd_;
    termios saved_{};
};

struct RelaySettings {
    bool escape = false;  ///< the detach key (console::kEscapeByte) ends the relay
    int quiet_ms = 2000;  ///< after input ends, how long output may pause before the relay ends
};

enum class RelayEnd {
    detached,        ///< the detach key was typed
    console_closed,  ///< the socket closed: QEMU went away
    input_quiet,     ///< input ended and then the console said nothing for quiet_ms
    output_closed,   ///< the reader of the output went away
    signalled,       ///< SIGINT, SIGTERM or SIGHUP arrived
};

struct RelayResult {
    RelayEnd end = RelayEnd::console_closed;
    int signal = 0;  ///< for signalled
};

/// Copies `input_fd` to `socket_fd` and `socket_fd` to `output_fd` until
/// one of RelayEnd happens. While it runs, SIGINT, SIGTERM and SIGHUP end
/// it (so that the caller can restore the terminal) and SIGPIPE is ignored;
/// both are put back as they were. A read or write that fails otherwise
/// is an Error.
RelayResult relay_console(int input_fd, int output_fd, int socket_fd, const RelaySettings& settings);

}  // namespace kvpod::host
