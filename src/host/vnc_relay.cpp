// SPDX-License-Identifier: Apache-2.0
#include "host/vnc_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "host/fd.hpp"
#include "host/files.hpp"

namespace kvpod::host {
namespace {

std::string describe(int error_number) { return std::strerror(error_number); }

std::int64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

/// Writes all of `data` to a blocking socket; false when the peer is gone.
bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

/// Copies both ways between a viewer and the VM's socket until either side
/// closes; then closes both.
void relay_pair(int viewer, int display) {
    char buffer[65536];
    for (;;) {
        pollfd fds[2] = {{viewer, POLLIN, 0}, {display, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        bool open = true;
        for (int i = 0; i < 2 && open; ++i) {
            if (fds[i].revents == 0) continue;
            ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            open = n > 0 && send_all(fds[1 - i].fd, buffer, static_cast<std::size_t>(n));
        }
        if (!open) break;
    }
    ::close(viewer);
    ::close(display);
}

/// SIGINT, SIGTERM and SIGHUP blocked and readable on a signalfd while it
/// lives; threads started meanwhile inherit the mask, so the signal reaches
/// the descriptor and nothing else.
class BlockedStopSignals {
public:
    BlockedStopSignals() {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
        ::pthread_sigmask(SIG_BLOCK, &set, &saved_);
        fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd_ < 0) throw Error("cannot wait for signals: " + describe(errno), "vnc");
    }
    ~BlockedStopSignals() {
        ::close(fd_);
        ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
    }
    BlockedStopSignals(const BlockedStopSignals&) = delete;
    BlockedStopSignals& operator=(const BlockedStopSignals&) = delete;
    int fd() const { return fd_; }
    int take() const {
        signalfd_siginfo info{};
        return ::read(fd_, &info, sizeof info) == sizeof info ? static_cast<int>(info.ssi_signo) : 0;
    }

private:
    int fd_ = -1;
    sigset_t saved_{};
};

std::string peer_name(const sockaddr_storage& peer) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (peer.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
        ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        return std::string(text) + ":" + std::to_string(ntohs(in.sin_port));
    }
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in6.sin6_port));
}

}  // namespace

Listener listen_tcp(const vnc::ListenAddress& address) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (address.ipv6) {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(storage);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons(address.port);
        ::inet_pton(AF_INET6, address.host.c_str(), &in6.sin6_addr);
        length = sizeof in6;
    } else {
        auto& in = reinterpret_cast<sockaddr_in&>(storage);
        in.sin_family = AF_INET;
        in.sin_port = htons(address.port);
        ::inet_pton(AF_INET, address.host.c_str(), &in.sin_addr);
        length = sizeof in;
    }
    const std::string where = "--listen " + vnc::to_string(address);
    int sock = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) throw Error("cannot make a TCP socket: " + describe(errno), where);
    Fd guard(sock);
    int one = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(sock, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
        int err = errno;
        if (err == EADDRINUSE)
            throw Error("port " + std::to_string(address.port) + " is in use on " + address.host, where,
                        "choose another port, or leave it out for a free one (ss -ltnp shows who holds it)");
        if (err == EADDRNOTAVAIL)
            throw Error(address.host + " is not an address of this host", where,
                        "listen on 127.0.0.1, or on one of the addresses ip -brief address shows");
        if (err == EACCES)
            throw Error("port " + std::to_string(address.port) + " needs privileges", where,
                        "use a port from 1024 up (5900 is VNC's), or run as root");
        throw Error("cannot listen: " + describe(err), where);
    }
    if (::listen(sock, 8) != 0) throw Error("cannot listen: " + describe(errno), where);
    Listener listener{sock, address};
    if (::getsockname(sock, reinterpret_cast<sockaddr*>(&storage), &length) == 0)
        listener.address.port = ntohs(address.ipv6 ? reinterpret_cast<sockaddr_in6&>(storage).sin6_port
                                                    : reinterpret_cast<sockaddr_in&>(storage).sin_port);
    guard.fd = -1;
    return listener;
}

int serve_vnc(int listen_fd, const VncServeHooks& hooks) {
    BlockedStopSignals signals;
    int viewers = 0;
    for (;;) {
        pollfd fds[2] = {{listen_fd, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw Error("cannot wait for viewers: " + describe(errno), "vnc");
        }
        if (fds[1].revents != 0)
            if (int signal_number = signals.take()) return signal_number;
        if (fds[0].revents == 0) continue;
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        int viewer = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_CLOEXEC);
        if (viewer < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
            throw Error("cannot accept a viewer: " + describe(errno), "vnc");
        }
        SocketConnection display = hooks.connect();
        if (display.fd < 0) {
            ::close(viewer);
            throw hooks.failure(display);
        }
        ++viewers;
        hooks.notice("viewer " + std::to_string(viewers) + " connected from " + peer_name(peer));
        std::thread(relay_pair, viewer, display.fd).detach();
    }
}

vnc::Image read_screen(int socket_fd, int timeout_ms) {
    vnc::ScreenshotClient client;
    std::int64_t deadline = now_ms() + timeout_ms;
    char buffer[65536];
    while (!client.done()) {
        std::int64_t left = deadline - now_ms();
        pollfd fd{socket_fd, POLLIN, 0};
        int ready = left > 0 ? ::poll(&fd, 1, static_cast<int>(left)) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw Error("cannot wait for the VNC server: " + describe(errno), "VNC server");
        if (ready == 0)
            throw Error("sent no whole screen in " + std::to_string(timeout_ms / 1000) + " s", "VNC server",
                        "is QEMU busy or stopped? try again, or raise --timeout");
        ssize_t n = ::recv(socket_fd, buffer, sizeof buffer, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) throw Error("cannot read from the VNC server: " + describe(errno), "VNC server");
        if (n == 0)
            throw Error("closed the connection before the whole screen came", "VNC server",
                        "is the VM shutting down? podman ps shows its compute container");
        std::string reply = client.receive({buffer, static_cast<std::size_t>(n)});
        if (!reply.empty() && !send_all(socket_fd, reply.data(), reply.size()))
            throw Error("closed the connection during the handshake", "VNC server");
    }
    return client.image();
}

void write_file_whole(const std::string& path, const std::string& data) {
    if (path == "-") {
        write_stdout(data);
        return;
    }
    std::string temporary = path + ".XXXXXX";
    int fd = ::mkstemp(temporary.data());
    if (fd < 0) throw Error("cannot create a file beside it: " + describe(errno), path, "is the directory writable?");
    Fd guard(fd);
    std::string_view left = data;
    while (!left.empty()) {
        ssize_t n = ::write(fd, left.data(), left.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            ::unlink(temporary.c_str());
            throw Error("cannot write: " + describe(err), temporary);
        }
        left.remove_prefix(static_cast<std::size_t>(n));
    }
    ::fchmod(fd, 0644);
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(temporary.c_str());
        throw Error("cannot put the file in place: " + describe(err), path);
    }
}

}  // namespace kvpod::host
