// SPDX-License-Identifier: Apache-2.0
#include "host/log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/text.hpp"

namespace kvpod::log {
namespace {

const char* g_ident = "kubevirt-vm-to-pod";
bool g_stderr = false;
int g_syslog_fd = -1;
bool g_syslog_stream = false;
std::string g_syslog_tag;  // "ident[pid]: "

int priority(Level level) {
    switch (level) {
    case Level::Error: return LOG_ERR;
    case Level::Warning: return LOG_WARNING;
    case Level::Info: return LOG_INFO;
    case Level::Debug: return LOG_DEBUG;
    }
    return LOG_INFO;
}

const char* label(Level level) {
    switch (level) {
    case Level::Error: return "error";
    case Level::Warning: return "warning";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    }
    return "info";
}

/// How long one line may wait for room at the syslog reader. A burst of
/// container starts (twenty hooks logging at once, a listener's queue of
/// ten) needs some waiting, or lines are lost; a reader that takes nothing
/// for this long is stuck, and the hook stops writing to it.
constexpr int kSyslogPatienceMicros = 500'000;

/// A socket connected to `path`, or -1 when nothing listens there.
int connect_syslog(const char* path, bool& stream) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (std::strlen(path) >= sizeof addr.sun_path) return -1;
    std::memcpy(addr.sun_path, path, std::strlen(path) + 1);
    // journald and rsyslog take datagrams; an old syslogd may listen on a
    // stream socket instead (connect says EPROTOTYPE), as glibc allows too.
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
        // Non-blocking: connecting to a stream daemon whose backlog is full
        // fails (EAGAIN) instead of waiting before the deadline is armed.
        int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) return -1;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
            stream = type == SOCK_STREAM;
            // Sends wait for a busy reader, but not for ever (see write()).
            timeval patience{0, kSyslogPatienceMicros};
            if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
                ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience) != 0) {
                ::close(fd);
                return -1;
            }
            return fd;
        }
        int err = errno;
        ::close(fd);
        if (err != EPROTOTYPE) return -1;
    }
    return -1;
}

}  // namespace

void open(const char* ident, bool to_stderr, bool to_syslog, const char* syslog_path) {
    g_ident = ident;
    g_stderr = to_stderr;
    if (g_syslog_fd >= 0) ::close(g_syslog_fd);
    g_syslog_fd = -1;
    // Our own frames on /dev/log rather than syslog(3): glibc formats a
    // timestamp (loading the time zone on the first line) and the message
    // through printf at every line, and waits without limit when the reader
    // is full.
    // Connected now, so a missing /dev/log costs one failed connect, not two
    // syscalls at every line.
    if (to_syslog) g_syslog_fd = connect_syslog(syslog_path, g_syslog_stream);
    g_syslog_tag = std::string(ident) + "[" + std::to_string(::getpid()) + "]: ";
}

void write(Level level, std::string_view message) {
    std::string line = text::one_line(message);
    if (g_syslog_fd >= 0) {
        // "<PRI>ident[pid]: message" (RFC 3164 without the optional
        // timestamp: journald and rsyslog stamp what arrives).
        std::string frame = "<" + std::to_string(LOG_DAEMON | priority(level)) + ">" + g_syslog_tag + line;
        if (g_syslog_stream) frame += '\0';  // a stream's messages end with NUL, as glibc sends them
        ssize_t sent = -1;
        do {
            sent = ::send(g_syslog_fd, frame.data(), frame.size(), MSG_NOSIGNAL);
        } while (sent < 0 && errno == EINTR);
        // A reader that took nothing for the whole patience is stuck: the
        // container's start does not wait on it again. A stream that took
        // part of a frame would glue the next one to it: stop there too.
        bool stuck = sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        bool cut = g_syslog_stream && sent >= 0 && static_cast<std::size_t>(sent) != frame.size();
        if (stuck || cut) {
            ::close(g_syslog_fd);
            g_syslog_fd = -1;
        }
    }
    if (g_stderr) {
        std::string out = std::string(g_ident) + ": " + label(level) + ": " + line + "\n";
        // One write(2) per line keeps lines whole when several hooks share a terminal.
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
    }
}

}  // namespace kvpod::log
