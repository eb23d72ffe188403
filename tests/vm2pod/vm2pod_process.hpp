// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

/// Runs the built kubevirt-vm-to-pod as a process, for the tests of its
/// command-line contract (exit status, what goes to stdout and stderr).
namespace kvpod::testing {

struct ProcessResult {
    int status = -1;  ///< exit status
    std::string out;
    std::string err;
};

/// The converter binary (meson sets VM2POD_BIN).
inline std::string converter_binary() {
    const char* bin = std::getenv("VM2POD_BIN");
    if (!bin) throw std::runtime_error("VM2POD_BIN is not set; run the tests through meson test");
    return bin;
}

/// Runs `args` (args[0] is the program) with `input` on stdin, in `cwd`.
inline ProcessResult run_process(const std::vector<std::string>& args, const std::string& input = "",
                                 const std::string& cwd = "") {
    std::signal(SIGPIPE, SIG_IGN);  // the converter may exit before it reads stdin
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) throw std::runtime_error("cannot run " + args[0]);

    // Feed stdin and drain both outputs together, so no pipe fills up.
    ProcessResult result;
    std::size_t fed = 0;
    int in_fd = in[1];
    if (input.empty()) ::close(in_fd), in_fd = -1;
    bool out_open = true, err_open = true;
    char buf[65536];
    while (out_open || err_open || in_fd >= 0) {
        struct pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                                {err_open ? err[0] : -1, POLLIN, 0},
                                {in_fd, POLLOUT, 0}};
        if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents) {
            ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n <= 0) out_open = false; else result.out.append(buf, static_cast<std::size_t>(n));
        }
        if (fds[1].revents) {
            ssize_t n = ::read(err[0], buf, sizeof buf);
            if (n <= 0) err_open = false; else result.err.append(buf, static_cast<std::size_t>(n));
        }
        if (in_fd >= 0 && fds[2].revents) {
            ssize_t n = ::write(in_fd, input.data() + fed, input.size() - fed);
            if (n > 0) fed += static_cast<std::size_t>(n);
            if (n <= 0 || fed == input.size()) ::close(in_fd), in_fd = -1;
        }
    }
    ::close(out[0]);
    ::close(err[0]);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return result;
}

}  // namespace kvpod::testing
