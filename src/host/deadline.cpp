// SPDX-License-Identifier: Apache-2.0
#include "host/deadline.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace kvpod::host {
namespace {

// Prepared before the alarm so the handler only calls async-signal-safe
// functions (socket, connect, send, write, _exit).
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
            [[maybe_unused]] auto n = ::send(fd, g_syslog_line, g_syslog_len, MSG_NOSIGNAL);
        ::close(fd);
    }
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, g_stderr_line, g_stderr_len);
    ::_exit(1);
}

}  // namespace

void arm_deadline(unsigned seconds, const char* ident) {
    const char* what = "deadline passed while inspecting the host; the container is not started "
                       "(a device or sysfs read hung; see the kernel log)";
    // <27> = facility daemon (3) * 8 + severity error (3)
    int n = std::snprintf(g_syslog_line, sizeof g_syslog_line, "<27>%s[%d]: %s (%us)", ident,
                          static_cast<int>(::getpid()), what, seconds);
    g_syslog_len = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof g_syslog_line - 1) : 0;
    n = std::snprintf(g_stderr_line, sizeof g_stderr_line, "%s: error: %s (%us)\n", ident, what, seconds);
    g_stderr_len = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof g_stderr_line - 1) : 0;
    struct sigaction sa {};
    sa.sa_handler = on_deadline;
    ::sigaction(SIGALRM, &sa, nullptr);
    ::alarm(seconds);
}

}  // namespace kvpod::host
