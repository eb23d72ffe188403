// SPDX-License-Identifier: Apache-2.0
#include "host/serial_console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/error.hpp"
#include "core/text.hpp"
#include "host/fd.hpp"

namespace kvpod::host {
namespace {

using console::SocketProblem;

SocketConnection failed(SocketProblem problem, int error_number) { return {-1, problem, error_number}; }

std::string describe(int error_number) { return std::strerror(error_number); }

// --- signals: a self-pipe, so that poll wakes whichever thread the kernel
// delivers to, and the relay ends in its own time (the terminal restored).

volatile std::sig_atomic_t g_signal_pipe = -1;

extern "C" void on_stop_signal(int signal_number) {
    int saved = errno;
    auto byte = static_cast<unsigned char>(signal_number);
    if (g_signal_pipe >= 0) {
        ssize_t written = ::write(g_signal_pipe, &byte, 1);  // a full pipe already holds a signal
        (void)written;
    }
    errno = saved;
}

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

/// The stop signals caught and SIGPIPE ignored while it lives.
class SignalScope {
public:
    SignalScope() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            throw Error("cannot make a pipe: " + describe(errno), "console");
        read_fd_ = fds[0];
        write_fd_ = fds[1];
        g_signal_pipe = write_fd_;
        struct sigaction catch_it {};
        catch_it.sa_handler = on_stop_signal;
        sigemptyset(&catch_it.sa_mask);
        for (std::size_t i = 0; i < std::size(kStopSignals); ++i) ::sigaction(kStopSignals[i], &catch_it, &saved_[i]);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, &saved_pipe_);
    }
    ~SignalScope() {
        for (std::size_t i = 0; i < std::size(kStopSignals); ++i) ::sigaction(kStopSignals[i], &saved_[i], nullptr);
        ::sigaction(SIGPIPE, &saved_pipe_, nullptr);
        g_signal_pipe = -1;
        ::close(read_fd_);
        ::close(write_fd_);
    }
    SignalScope(const SignalScope&) = delete;
    SignalScope& operator=(const SignalScope&) = delete;

    int read_fd() const { return read_fd_; }

    /// The first signal that arrived, 0 if none.
    int take() const {
        unsigned char byte = 0;
        return ::read(read_fd_, &byte, 1) == 1 ? byte : 0;
    }

private:
    int read_fd_ = -1;
    int write_fd_ = -1;
    struct sigaction saved_[std::size(kStopSignals)] {};
    struct sigaction saved_pipe_ {};
};

std::int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

enum class WriteResult { done, reader_gone };

/// Writes all of `data`; a descriptor left non-blocking by whoever shares it
/// (a terminal) is waited on rather than failed.
WriteResult write_all(int fd, std::string_view data, const char* what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
            pollfd wait{fd, POLLOUT, 0};
            ::poll(&wait, 1, -1);
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET) return WriteResult::reader_gone;
        throw Error(std::string("cannot write to ") + what + ": " + describe(errno), "console");
    }
    return WriteResult::done;
}

}  // namespace

SocketConnection connect_socket_beneath(const std::string& dir, const std::string& relative) {
    int dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
        return failed(errno == ENOENT || errno == ENOTDIR ? SocketProblem::no_directory : SocketProblem::other, errno);
    Fd current(dir_fd);
    auto parts = text::split(relative, '/');
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        if (part.empty() || part == "." || part == "..") return failed(SocketProblem::other, EINVAL);
        bool last = i + 1 == parts.size();
        // O_NOFOLLOW with O_PATH opens a symlink itself instead of failing:
        // the directory check (ENOTDIR) or the socket check below refuses it.
        int flags = O_PATH | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY);
        int fd = ::openat(current.fd, part.c_str(), flags);
        if (fd < 0) {
            if (errno == ENOENT) return failed(SocketProblem::missing, errno);
            if (errno == ENOTDIR || errno == ELOOP) return failed(SocketProblem::not_socket, errno);
            return failed(SocketProblem::other, errno);
        }
        Fd next(fd);
        std::swap(current.fd, next.fd);
    }
    struct stat st {};
    if (::fstat(current.fd, &st) != 0) return failed(SocketProblem::other, errno);
    if (!S_ISSOCK(st.st_mode)) return failed(SocketProblem::not_socket, ENOTSOCK);

    // Non-blocking, so that a full queue is an answer instead of a wait:
    // QEMU serves one client and listens with a queue of one.
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sock < 0) return failed(SocketProblem::other, errno);
    Fd connection(sock);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string via = "/proc/self/fd/" + std::to_string(current.fd);
    std::memcpy(address.sun_path, via.c_str(), via.size() + 1);
    int rc;
    do rc = ::connect(sock, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int err = errno;
        return failed(err == ECONNREFUSED ? SocketProblem::refused : err == EAGAIN ? SocketProblem::busy : SocketProblem::other,
                      err);
    }
    if (::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) & ~O_NONBLOCK) != 0) return failed(SocketProblem::other, errno);
    connection.fd = -1;
    return {sock, SocketProblem::other, 0};
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

void write_stderr(std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) != 0)
        throw Error("cannot read the terminal's settings: " + describe(errno), "console");
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) != 0)
        throw Error("cannot put the terminal in raw mode: " + describe(errno), "console");
}

RawTerminal::~RawTerminal() {
    // TCSADRAIN: what was written in raw mode is shown before the settings change.
    while (::tcsetattr(fd_, TCSADRAIN, &saved_) != 0 && errno == EINTR) {
    }
}

RelayResult relay_console(int input_fd, int output_fd, int socket_fd, const RelaySettings& settings) {
    SignalScope signals;
    bool input_open = true;
    std::int64_t quiet_until = 0;
    char buffer[65536];
    for (;;) {
        pollfd fds[3] = {{socket_fd, POLLIN, 0}, {input_open ? input_fd : -1, POLLIN, 0}, {signals.read_fd(), POLLIN, 0}};
        int timeout = -1;
        if (!input_open) {
            std::int64_t left = quiet_until - now_ms();
            timeout = left > 0 ? static_cast<int>(left) : 0;
        }
        int ready = ::poll(fds, 3, timeout);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw Error("cannot wait for the console: " + describe(errno), "console");
        }
        if (ready == 0) return {RelayEnd::input_quiet, 0};
        if (fds[2].revents != 0) {
            if (int signal_number = signals.take()) return {RelayEnd::signalled, signal_number};
        }
        if (fds[0].revents != 0) {
            ssize_t n = ::read(socket_fd, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n == 0 || (n < 0 && errno == ECONNRESET)) return {RelayEnd::console_closed, 0};
            if (n < 0) throw Error("cannot read the serial console: " + describe(errno), "console");
            if (write_all(output_fd, {buffer, static_cast<std::size_t>(n)}, "stdout") == WriteResult::reader_gone)
                return {RelayEnd::output_closed, 0};
            if (!input_open) quiet_until = now_ms() + settings.quiet_ms;
        }
        if (input_open && fds[1].revents != 0) {
            ssize_t n = ::read(input_fd, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0 && errno != EIO && errno != EBADF)
                throw Error("cannot read stdin: " + describe(errno), "console");
            if (n <= 0) {  // end of input; EIO: the terminal hung up
                input_open = false;
                quiet_until = now_ms() + settings.quiet_ms;
                continue;
            }
            auto typed = console::scan_typed({buffer, static_cast<std::size_t>(n)}, settings.escape);
            if (write_all(socket_fd, typed.to_guest, "the serial console") == WriteResult::reader_gone)
                return {RelayEnd::console_closed, 0};
            if (typed.detach) return {RelayEnd::detached, 0};
        }
    }
}

}  // namespace kvpod::host
