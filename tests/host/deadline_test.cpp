// SPDX-License-Identifier: Apache-2.0
// The hook's deadline: when the alarm fires, one exact line on stderr, exit 1.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "host/deadline.hpp"

namespace {

struct Ended {
    int status = -1;
    std::string stderr_text;
};

/// Forks a child that arms the deadline with `seconds` and `ident`, then
/// waits forever; returns how it ended and what it wrote to stderr.
Ended run_into_deadline(unsigned seconds, const char* ident) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(pipe_fds[1], STDERR_FILENO);
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        kvpod::host::arm_deadline(seconds, ident);
        for (;;) ::pause();
    }
    ::close(pipe_fds[1]);
    Ended ended;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(pipe_fds[0], buf, sizeof buf)) > 0) ended.stderr_text.append(buf, static_cast<std::size_t>(n));
    ::close(pipe_fds[0]);
    REQUIRE(::waitpid(pid, &ended.status, 0) == pid);
    return ended;
}

}  // namespace

TEST_CASE("the deadline ends the process with one line naming it, and exit status 1") {
    auto ended = run_into_deadline(1, "oci-kubevirt-hook");
    REQUIRE(WIFEXITED(ended.status));
    CHECK(WEXITSTATUS(ended.status) == 1);
    CHECK(ended.stderr_text ==
          "oci-kubevirt-hook: error: deadline passed while inspecting the host; the container is not started "
          "(a device or sysfs read hung; see the kernel log) (1s)\n");
}

TEST_CASE("an identity too long for the prepared line is cut, not overrun") {
    std::string ident(400, 'x');
    auto ended = run_into_deadline(1, ident.c_str());
    REQUIRE(WIFEXITED(ended.status));
    CHECK(WEXITSTATUS(ended.status) == 1);
    CHECK(ended.stderr_text == std::string(255, 'x'));
}
