// SPDX-License-Identifier: Apache-2.0
#include "host/run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

extern char** environ;

namespace kvpod::host {
namespace {

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot make a pipe: ") + std::strerror(errno));
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    void close_read() {
        if (read_end >= 0) ::close(read_end);
        read_end = -1;
    }
    void close_write() {
        if (write_end >= 0) ::close(write_end);
        write_end = -1;
    }
};

struct SpawnActions {
    posix_spawn_file_actions_t actions;
    SpawnActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
};

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

ProgramOutput run_program(const std::vector<std::string>& argv, std::size_t max_bytes) {
    if (argv.empty()) throw Error("no program to run");
    Pipe out, err;
    SpawnActions spawn;
    posix_spawn_file_actions_addopen(&spawn.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, out.write_end, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&spawn.actions, err.write_end, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, args[0], &spawn.actions, nullptr, args.data(), environ);
    out.close_write();
    err.close_write();
    if (rc != 0) throw Error("cannot run " + argv[0] + ": " + std::strerror(rc));

    // Both pipes drained together, so that neither fills while the other is read.
    ProgramOutput result;
    std::string too_much;
    Pipe* pipes[2] = {&out, &err};
    std::string* sinks[2] = {&result.out, &result.err};
    char buf[16384];
    while (out.read_end >= 0 || err.read_end >= 0) {
        pollfd fds[2] = {{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents == 0) continue;
            ssize_t n = ::read(pipes[i]->read_end, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                pipes[i]->close_read();
                continue;
            }
            if (sinks[i]->size() + static_cast<std::size_t>(n) > max_bytes) {
                too_much = i == 0 ? "stdout" : "stderr";
                pipes[i]->close_read();  // the program gets EPIPE (or SIGPIPE) and ends
                continue;
            }
            sinks[i]->append(buf, static_cast<std::size_t>(n));
        }
    }
    result.exit_status = wait_for(pid);
    if (!too_much.empty())
        throw Error(argv[0] + " wrote more than " + std::to_string(max_bytes) + " bytes on " + too_much, "",
                    "is it the program you meant?");
    return result;
}

}  // namespace kvpod::host
