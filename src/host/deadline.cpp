// SPDX-License-Identifier: Apache-2.0
#include "host/deadline.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace kvpod::host {
namespace {

// Prepared before the alarm so the handler only calls async-signal-safe
// functions (socket, connect, send, write, _exit). The send does not wait:
// a journal too busy to take the line must not keep the hook past its
// deadline.
char g_syslog_line[256];
std::size_t g_syslog_len = 0;
char g_stderr_line[256];
std::size_t g_stderr_len = 0;

void on_deadline(int) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, "/dev/log", sizeof "/dev/log");
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            [[maybe_unused]] auto n = ::send(fd, g_syslog_line, g_syslog_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        ::close(fd);
    }
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, g_stderr_line, g_stderr_len);
    ::_exit(1);
}

/// Copies `text` into a handler's line, cut to fit.
template <std::size_t N>
void prepare(char (&line)[N], std::size_t& length, const std::string& text) {
    length = std::min(text.size(), N - 1);
    std::memcpy(line, text.data(), length);
    line[length] = '\0';
}

}  // namespace

void arm_deadline(unsigned seconds, const char* ident) {
    // Spelled out rather than snprintf'd: at every start of the hook that
    // would fault in a few pages of libc's printf for a line that is almost
    // never sent.
    const std::string what = "deadline passed while inspecting the host; the container is not started "
                             "(a device or sysfs read hung; see the kernel log) (" +
                             std::to_string(seconds) + "s)";
    // <27> = facility daemon (3) * 8 + severity error (3)
    prepare(g_syslog_line, g_syslog_len, "<27>" + std::string(ident) + "[" + std::to_string(::getpid()) + "]: " + what);
    prepare(g_stderr_line, g_stderr_len, std::string(ident) + ": error: " + what + "\n");
    struct sigaction sa {};
    sa.sa_handler = on_deadline;
    ::sigaction(SIGALRM, &sa, nullptr);
    ::alarm(seconds);
}

}  // namespace kvpod::host
