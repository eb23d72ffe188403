// SPDX-License-Identifier: Apache-2.0
// The console's host half against a real unix socket server (a thread, as
// QEMU's serial chardev: one listening socket) at a path longer than
// sun_path's 108 bytes: bytes both ways, the detach key, the idle drain
// after stdin ends, the console closing, signals, the terminal's raw mode,
// and each way connecting fails.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "host/fd.hpp"
#include "host/serial_console.hpp"

using namespace kvpod;
using console::SocketProblem;
using host::RelayEnd;
using Clock = std::chrono::steady_clock;

namespace {

int elapsed_ms(Clock::time_point since) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

/// A directory whose path is longer than sun_path, removed afterwards.
struct LongDir {
    std::string top;
    std::string path;
    LongDir() {
        char tmpl[] = "/tmp/kvpod-console-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        top = tmpl;
        path = top + "/var-lib-containers-storage-volumes-virt-launcher-a-rather-long-vm-name-private/_data";
        if (::mkdir((top + "/var-lib-containers-storage-volumes-virt-launcher-a-rather-long-vm-name-private").c_str(),
                    0700) != 0 ||
            ::mkdir(path.c_str(), 0700) != 0)
            throw std::runtime_error("mkdir failed");
    }
    ~LongDir() {
        std::string command = "rm -rf '" + top + "'";
        if (std::system(command.c_str()) != 0) MESSAGE("could not remove " << top);
    }
};

/// Binds a unix stream socket at `dir`/`name` whatever the path's length
/// (through /proc/self/fd, as the console connects); listens unless told not to.
int bind_socket(const std::string& dir, const std::string& name, bool listen = true, int backlog = 8) {
    int dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string via = "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
    via.copy(address.sun_path, sizeof address.sun_path - 1);
    if (dir_fd < 0 || sock < 0 || ::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        (listen && ::listen(sock, backlog) != 0))
        throw std::runtime_error("cannot bind " + dir + "/" + name);
    ::close(dir_fd);
    return sock;
}

/// Reads until `want` has arrived (or the peer closed); what arrived.
std::string read_until(int fd, const std::string& want) {
    std::string got;
    char buf[4096];
    while (got.find(want) == std::string::npos) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
}

std::string read_all(int fd) { return read_until(fd, std::string(1, '\0') + "never"); }

void write_text(int fd, const std::string& text) {
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw std::runtime_error("short write");
}

/// The guest's side: a console that went early is no reason for SIGPIPE,
/// nor for an exception in the server thread; the test's checks tell.
void send_text(int client, const std::string& text) {
    [[maybe_unused]] auto sent = ::send(client, text.data(), text.size(), MSG_NOSIGNAL);
}

/// A serial console: a listening socket in a long directory, and a thread
/// that accepts one client and runs `script` on it.
struct Console {
    LongDir dir;
    std::string received;  ///< what the script read, for the test to check after join()
    int listener = -1;
    std::thread server;

    explicit Console(std::function<std::string(int client)> script) {
        listener = bind_socket(dir.path, "virt-serial0");
        server = std::thread([this, script] {
            int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) return;
            received = script(client);
            ::close(client);
        });
    }
    void join() {
        if (server.joinable()) server.join();
    }
    ~Console() {
        ::shutdown(listener, SHUT_RDWR);
        join();
        ::close(listener);
    }

    int connect() {
        auto c = host::connect_socket_beneath(dir.path, "virt-serial0");
        if (c.fd < 0) throw std::runtime_error("connect failed: " + std::to_string(c.error_number));
        return c.fd;
    }
};

struct Pipe {
    int read_end = -1, write_end = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        read_end = fds[0];
        write_end = fds[1];
    }
    void close_write() {
        if (write_end >= 0) ::close(write_end);
        write_end = -1;
    }
    void close_read() {
        if (read_end >= 0) ::close(read_end);
        read_end = -1;
    }
    ~Pipe() {
        close_read();
        close_write();
    }
};

/// stdin holding `text`, then its end (or no end: `keep_open`).
struct Input : Pipe {
    Input(const std::string& text, bool keep_open = false) {
        write_text(write_end, text);
        if (!keep_open) close_write();
    }
};

/// An output file to read back.
struct Output {
    int fd = ::memfd_create("console-output", MFD_CLOEXEC);
    ~Output() { ::close(fd); }
    std::string text() const {
        std::string out;
        char buf[4096];
        ssize_t n;
        for (off_t at = 0; (n = ::pread(fd, buf, sizeof buf, at)) > 0; at += n) out.append(buf, static_cast<std::size_t>(n));
        return out;
    }
};

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("bytes go both ways; after stdin ends the relay waits until the guest has been quiet for quiet_ms") {
    // The guest greets, answers "status" 200 ms later in five lines 150 ms
    // apart: all within 300 ms of the one before, 800 ms in all.
    Console guest([](int client) {
        send_text(client, "login: \r\n");
        std::string got = read_until(client, "status\n");
        for (int i = 1; i <= 5; ++i) {
            sleep_ms(i == 1 ? 200 : 150);
            send_text(client, "KVPOD-LINE " + std::to_string(i) + "\r\n");
        }
        read_all(client);  // stays connected until the console goes
        return got;
    });
    REQUIRE(guest.dir.path.size() + std::string("/virt-serial0").size() > sizeof(sockaddr_un::sun_path));
    host::Fd socket(guest.connect());
    Input input("status\n");
    Output output;
    auto start = Clock::now();
    auto result = host::relay_console(input.read_end, output.fd, socket.fd, {false, 300});
    int took = elapsed_ms(start);
    ::close(socket.fd);
    socket.fd = -1;
    guest.join();

    CHECK(result.end == RelayEnd::input_quiet);
    CHECK(guest.received == "status\n");
    CHECK(output.text() == "login: \r\nKVPOD-LINE 1\r\nKVPOD-LINE 2\r\nKVPOD-LINE 3\r\nKVPOD-LINE 4\r\nKVPOD-LINE 5\r\n");
    CHECK(took >= 800 + 300);  // the last line, then the quiet period
    CHECK(took < 800 + 300 + 1500);
}

TEST_CASE("quiet_ms 0: stdin's end ends the relay with what had arrived") {
    Console guest([](int client) {
        read_all(client);
        return std::string();
    });
    host::Fd socket(guest.connect());
    Input input("");
    Output output;
    auto start = Clock::now();
    auto result = host::relay_console(input.read_end, output.fd, socket.fd, {false, 0});
    CHECK(result.end == RelayEnd::input_quiet);
    CHECK(elapsed_ms(start) < 500);
}

TEST_CASE("Ctrl+] detaches on a terminal after sending what was typed before it; otherwise it is data") {
    struct Case {
        bool escape;
        RelayEnd end;
        std::string guest_got;
    };
    for (const auto& c : {Case{true, RelayEnd::detached, "ab"}, Case{false, RelayEnd::input_quiet, "ab\x1d" "cd"}}) {
        CAPTURE(c.escape);
        Console guest([](int client) { return read_all(client); });
        host::Fd socket(guest.connect());
        Input input("ab\x1d" "cd", /*keep_open=*/c.escape);
        Output output;
        auto result = host::relay_console(input.read_end, output.fd, socket.fd, {c.escape, 100});
        ::close(socket.fd);
        socket.fd = -1;
        guest.join();
        CHECK(result.end == c.end);
        CHECK(guest.received == c.guest_got);
    }
}

TEST_CASE("the guest going away (QEMU closing the socket) ends the relay, its last words written") {
    Console guest([](int client) {
        send_text(client, "reboot: Power down\r\n");
        return std::string();
    });
    host::Fd socket(guest.connect());
    Input input("", /*keep_open=*/true);  // `sleep 900 | console VM`: stdin never ends
    Output output;
    auto result = host::relay_console(input.read_end, output.fd, socket.fd, {false, 2000});
    CHECK(result.end == RelayEnd::console_closed);
    CHECK(output.text() == "reboot: Power down\r\n");
}

TEST_CASE("a reader that went away ends the relay without SIGPIPE, which is put back afterwards") {
    Console guest([](int client) {
        send_text(client, "output nobody reads\r\n");
        read_all(client);
        return std::string();
    });
    host::Fd socket(guest.connect());
    Input input("", true);
    Pipe output;
    output.close_read();
    struct sigaction before {};
    ::sigaction(SIGPIPE, nullptr, &before);
    auto result = host::relay_console(input.read_end, output.write_end, socket.fd, {false, 2000});
    struct sigaction after {};
    ::sigaction(SIGPIPE, nullptr, &after);
    CHECK(result.end == RelayEnd::output_closed);
    CHECK((after.sa_handler == before.sa_handler));
}

TEST_CASE("SIGTERM ends the relay (so the terminal can be restored) and its handler is put back") {
    // The guest raises SIGTERM once it has a byte from the relay: the relay is running then.
    Console guest([](int client) {
        std::string got = read_until(client, "x");
        ::kill(::getpid(), SIGTERM);
        read_all(client);
        return got;
    });
    host::Fd socket(guest.connect());
    Input input("x", true);
    Output output;
    struct sigaction before {};
    ::sigaction(SIGTERM, nullptr, &before);
    auto result = host::relay_console(input.read_end, output.fd, socket.fd, {false, 2000});
    struct sigaction after {};
    ::sigaction(SIGTERM, nullptr, &after);
    CHECK(result.end == RelayEnd::signalled);
    CHECK(result.signal == SIGTERM);
    CHECK((after.sa_handler == before.sa_handler));
}

TEST_CASE("raw mode on a terminal while RawTerminal lives, the settings back afterwards, also past an exception") {
    int master = -1, replica = -1;
    REQUIRE(::openpty(&master, &replica, nullptr, nullptr, nullptr) == 0);
    termios original{};
    REQUIRE(::tcgetattr(replica, &original) == 0);
    REQUIRE((original.c_lflag & ICANON) != 0);
    CHECK(host::is_terminal(replica));
    CHECK_FALSE(host::is_terminal(Output().fd));
    auto same = [](const termios& a, const termios& b) {
        return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag && a.c_lflag == b.c_lflag;
    };
    {
        host::RawTerminal raw(replica);
        termios now{};
        ::tcgetattr(replica, &now);
        CHECK((now.c_lflag & (ICANON | ECHO | ISIG)) == 0);
        CHECK((now.c_iflag & ICRNL) == 0);
        CHECK((now.c_oflag & OPOST) == 0);
    }
    termios restored{};
    ::tcgetattr(replica, &restored);
    CHECK(same(restored, original));
    try {
        host::RawTerminal raw(replica);
        throw std::runtime_error("a failure while attached");
    } catch (const std::runtime_error&) {
    }
    ::tcgetattr(replica, &restored);
    CHECK(same(restored, original));
    CHECK_THROWS_WITH(host::RawTerminal(Output().fd),
                      "console: cannot read the terminal's settings: Inappropriate ioctl for device");
    ::close(master);
    ::close(replica);
}

TEST_CASE("connecting: each way it fails is told apart; no symbolic link in the volume is followed") {
    LongDir dir;
    LongDir elsewhere;  // a socket outside the volume, which links must not reach
    int outside = bind_socket(elsewhere.path, "host.sock");
    int stale = bind_socket(dir.path, "stale", /*listen=*/false);
    REQUIRE(::mkdir((dir.path + "/6a1c").c_str(), 0700) == 0);
    int inside = bind_socket(dir.path + "/6a1c", "virt-serial0");
    // As QEMU, which accepts no one while a client is attached: one more connection waits.
    int attached = bind_socket(dir.path, "attached", true, /*backlog=*/0);
    auto waiting = host::connect_socket_beneath(dir.path, "attached");
    CHECK(waiting.fd >= 0);
    ::close(::open((dir.path + "/file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    REQUIRE(::symlink((elsewhere.path + "/host.sock").c_str(), (dir.path + "/link").c_str()) == 0);
    REQUIRE(::symlink(elsewhere.path.c_str(), (dir.path + "/linkdir").c_str()) == 0);

    struct Case {
        std::string dir, relative;
        bool connects;
        SocketProblem problem;
        int error_number;
    };
    const std::vector<Case> cases = {
        {dir.path, "6a1c/virt-serial0", true, SocketProblem::other, 0},
        {elsewhere.path, "host.sock", true, SocketProblem::other, 0},
        {dir.path + "/gone", "virt-serial0", false, SocketProblem::no_directory, ENOENT},
        {dir.path, "virt-serial0", false, SocketProblem::missing, ENOENT},
        {dir.path, "nouid/virt-serial0", false, SocketProblem::missing, ENOENT},
        {dir.path, "file", false, SocketProblem::not_socket, ENOTSOCK},
        {dir.path, "6a1c", false, SocketProblem::not_socket, ENOTSOCK},
        {dir.path, "link", false, SocketProblem::not_socket, ENOTSOCK},
        {dir.path, "linkdir/host.sock", false, SocketProblem::not_socket, ENOTDIR},
        {dir.path, "stale", false, SocketProblem::refused, ECONNREFUSED},
        {dir.path, "attached", false, SocketProblem::busy, EAGAIN},
        {dir.path, "../_data/6a1c/virt-serial0", false, SocketProblem::other, EINVAL},
    };
    for (const auto& c : cases) {
        CAPTURE(c.relative);
        auto got = host::connect_socket_beneath(c.dir, c.relative);
        CHECK((got.fd >= 0) == c.connects);
        if (got.fd >= 0) {
            ::close(got.fd);
            continue;
        }
        CHECK(got.problem == c.problem);
        CHECK(got.error_number == c.error_number);
    }
    // A socket whose server went away is refused too (what QEMU leaves behind).
    ::close(inside);
    auto left = host::connect_socket_beneath(dir.path, "6a1c/virt-serial0");
    CHECK(left.fd == -1);
    CHECK(left.problem == SocketProblem::refused);
    ::close(outside);
    ::close(stale);
    ::close(attached);
    ::close(waiting.fd);
}
