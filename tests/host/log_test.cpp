// SPDX-License-Identifier: Apache-2.0
// The hook's syslog lines as a listener on the socket receives them: the
// frame, the severity, one line per message, and never a wait on a full
// reader.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "host/log.hpp"

namespace {

/// A syslog daemon's socket in a temporary directory.
class Listener {
public:
    explicit Listener(int type) {
        char tmpl[] = "/tmp/kvpod-log-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        path_ = dir_ + "/log";
        fd_ = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path_.copy(addr.sun_path, path_.size());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        if (type == SOCK_STREAM) REQUIRE(::listen(fd_, 1) == 0);
    }
    ~Listener() {
        if (conn_ >= 0) ::close(conn_);
        ::close(fd_);
        std::filesystem::remove_all(dir_);
    }
    const char* path() const { return path_.c_str(); }
    int fd() const { return fd_; }

    /// The next datagram, or "" when none comes within a second.
    std::string next_datagram() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 1000) != 1) return "";
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    }

    /// What the stream's writer sent, `bytes` of it.
    std::string read_stream(std::size_t bytes) {
        if (conn_ < 0) conn_ = ::accept(fd_, nullptr, nullptr);
        std::string out;
        char buf[4096];
        while (out.size() < bytes) {
            pollfd p{conn_, POLLIN, 0};
            if (::poll(&p, 1, 1000) != 1) break;
            ssize_t n = ::read(conn_, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    std::string dir_;
    std::string path_;
    int fd_ = -1;
    int conn_ = -1;
};

std::string tag() { return "test-ident[" + std::to_string(::getpid()) + "]: "; }

}  // namespace

TEST_CASE("syslog: one datagram per line, facility daemon and the line's severity, control bytes folded") {
    Listener daemon(SOCK_DGRAM);
    kvpod::log::open("test-ident", false, true, daemon.path());
    kvpod::log::error("cannot open: /dev/vfio/7");
    kvpod::log::warning("two\nlines\tand a \x01");
    kvpod::log::info("granted kvm");
    CHECK(daemon.next_datagram() == "<27>" + tag() + "cannot open: /dev/vfio/7");
    CHECK(daemon.next_datagram() == "<28>" + tag() + "two\\nlines\\tand a \\x01");
    CHECK(daemon.next_datagram() == "<30>" + tag() + "granted kvm");
    kvpod::log::open("test-ident", false, false);
}

TEST_CASE("syslog: a daemon on a stream socket gets NUL-terminated messages") {
    Listener daemon(SOCK_STREAM);
    kvpod::log::open("test-ident", false, true, daemon.path());
    kvpod::log::info("first");
    kvpod::log::error("second");
    std::string expected = "<30>" + tag() + "first" + '\0' + "<27>" + tag() + "second" + '\0';
    CHECK(daemon.read_stream(expected.size()) == expected);
    kvpod::log::open("test-ident", false, false);
}

TEST_CASE("syslog: a reader that falls behind for a moment loses no line") {
    Listener daemon(SOCK_DGRAM);
    int small = 4096;
    ::setsockopt(daemon.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    kvpod::log::open("test-ident", false, true, daemon.path());
    // The reader drains 100 ms after the writer has filled its queue.
    pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        for (int i = 0; i < 200; ++i) kvpod::log::info("line " + std::to_string(i));
        ::_exit(0);
    }
    ::usleep(100'000);
    int received = 0;
    for (int i = 0; i < 200; ++i)
        if (daemon.next_datagram() == "<30>" + tag() + "line " + std::to_string(i))  // the pid of open()
            ++received;
    int status = 0;
    ::waitpid(writer, &status, 0);
    CHECK(received == 200);
    kvpod::log::open("test-ident", false, false);
}

TEST_CASE("syslog: nothing listening, or a reader that stopped reading, never stops the writer") {
    kvpod::log::open("test-ident", false, true, "/nonexistent/log");
    kvpod::log::error("dropped: nobody listens");  // must simply return
    Listener daemon(SOCK_DGRAM);
    int small = 4096;
    ::setsockopt(daemon.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    kvpod::log::open("test-ident", false, true, daemon.path());
    // Far more than the reader's buffer holds: the lines it cannot take are
    // dropped rather than waited for (a test timeout would catch a wait).
    for (int i = 0; i < 2000; ++i) kvpod::log::info(std::string(200, 'x'));
    CHECK(daemon.next_datagram() == "<30>" + tag() + std::string(200, 'x'));
    kvpod::log::open("test-ident", false, false);
}

TEST_CASE("syslog: a stream daemon that stops reading gets whole frames, then no more") {
    Listener daemon(SOCK_STREAM);
    kvpod::log::open("test-ident", false, true, daemon.path());
    const std::string line(300, 'y');
    // Far more than a stream's buffers hold: the first frame the socket takes
    // only in part ends the writing (no wait, no frame glued to a cut one).
    for (int i = 0; i < 5000; ++i) kvpod::log::info(line);
    const std::string frame = "<30>" + tag() + line + '\0';
    std::string got = daemon.read_stream(64 * 1024 * 1024);
    REQUIRE(got.size() >= frame.size());
    std::size_t whole = got.size() / frame.size();
    for (std::size_t i = 0; i < whole; ++i) CHECK(got.compare(i * frame.size(), frame.size(), frame) == 0);
    // At most one cut frame, at the very end, and nothing after it.
    std::string rest = got.substr(whole * frame.size());
    CHECK(rest == frame.substr(0, rest.size()));
    CHECK(whole < 5000);
    kvpod::log::open("test-ident", false, false);
}
