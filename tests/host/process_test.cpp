// SPDX-License-Identifier: Apache-2.0
// Process identities and liveness, from /proc: real processes (forked
// children, zombies) and fake /proc trees.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "fake_root.hpp"
#include "host/host_root.hpp"
#include "host/process.hpp"
#include "test_support.hpp"

using namespace kvpod;
using host::ProcessTable;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

namespace {

/// A /proc/<pid>/stat line with the given command name, state and start time.
std::string stat_line(int pid, const std::string& comm, char state, int ppid, unsigned long long start) {
    std::string line = std::to_string(pid) + " (" + comm + ") " + state + " " + std::to_string(ppid);
    for (int field = 5; field <= 21; ++field) line += " " + std::to_string(field);
    line += " " + std::to_string(start) + " 23 24 25\n";
    return line;
}

}  // namespace

TEST_CASE("proc stat: fields are counted after the command name, which may hold anything") {
    struct Case {
        std::string name;
        std::string text;
        std::optional<host::ProcStat> expected;
    };
    const std::vector<Case> cases = {
        {"plain", stat_line(42, "podman", 'S', 1, 123456), host::ProcStat{'S', 1, 123456}},
        {"spaces and parens", stat_line(42, "a) (b c", 'R', 7, 99), host::ProcStat{'R', 7, 99}},
        {"zombie", stat_line(42, "x", 'Z', 7, 5), host::ProcStat{'Z', 7, 5}},
        {"too short", "42 (x) S 1 2 3\n", std::nullopt},
        {"no parens", "42 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n", std::nullopt},
        {"not a number", "42 (x) S 1 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 abc\n", std::nullopt},
        {"empty", "", std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto got = host::parse_proc_stat(c.text);
        REQUIRE(got.has_value() == c.expected.has_value());
        if (got) {
            CHECK(got->state == c.expected->state);
            CHECK(got->ppid == c.expected->ppid);
            CHECK(got->start_time == c.expected->start_time);
        }
    }
}

TEST_CASE("liveness of real processes: same pid and start time, not a zombie") {
    host::HostRoot root("/");
    ProcessTable table(root);
    auto self = table.find(::getpid());
    REQUIRE(self.has_value());
    CHECK(table.running(*self));
    CHECK_FALSE(table.running(hook::ProcessRef{self->pid, self->start_time + 1}));  // a reused pid

    auto parent = host::parent_process(table);
    CHECK(parent.pid == ::getppid());
    CHECK(table.running(parent));

    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    auto ref = table.find(child);
    REQUIRE(ref.has_value());
    CHECK(table.running(*ref));
    ::kill(child, SIGKILL);
    // Until it is reaped the child is a zombie: dead for liveness.
    for (int i = 0; i < 1000 && table.find(child); ++i) ::usleep(1000);
    CHECK_FALSE(table.find(child).has_value());
    CHECK_FALSE(table.running(*ref));
    ::waitpid(child, nullptr, 0);
    CHECK_FALSE(table.running(*ref));

    CHECK_FALSE(table.find(0).has_value());
    CHECK_FALSE(table.find(-5).has_value());
    CHECK(table.boot_id().size() == 36);
}

TEST_CASE("liveness in a fake /proc: what cannot be read is not proven dead") {
    FakeRoot fake;
    fake.file("/proc/10/stat", stat_line(10, "conmon", 'S', 1, 500))
        .file("/proc/11/stat", stat_line(11, "dead", 'X', 1, 600))
        .file("/proc/12/stat", "garbage\n")
        .file("/proc/sys/kernel/random/boot_id", "0f0e0d0c-0000-4000-8000-000000000001\n")
        .dir("/var/lib/c1/userdata");
    host::HostRoot root(fake.path());
    ProcessTable table(root);
    CHECK(table.running({10, 500}));
    CHECK_FALSE(table.running({10, 501}));
    CHECK_FALSE(table.running({11, 600}));
    CHECK_FALSE(table.running({13, 1}));  // no such process
    CHECK(table.running({12, 1}));        // unreadable: kept alive
    CHECK(error_of([&] { table.find(12); }) == "/proc/12/stat: unexpected contents; is /proc a procfs?");
    CHECK(table.boot_id() == "0f0e0d0c-0000-4000-8000-000000000001");
    CHECK(table.container_exists("/var/lib/c1/userdata"));
    CHECK_FALSE(table.container_exists("/var/lib/c2/userdata"));
    CHECK_FALSE(table.container_exists("/proc/10/stat/x"));  // ENOTDIR
}

TEST_CASE("the hook knows its own path, for the runtime hooks it adds") {
    auto self = host::self_executable();
    CHECK(self.front() == '/');
    CHECK(self.size() > std::string("host-process").size());
    CHECK(self.substr(self.size() - std::string("host-process").size()) == "host-process");
}
