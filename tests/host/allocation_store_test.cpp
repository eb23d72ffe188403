// SPDX-License-Identifier: Apache-2.0
// The allocation state directory on a real filesystem, with real processes:
// locking between processes, atomic writes, a writer killed mid-write, and
// directories that cannot be used.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "fake_root.hpp"
#include "host/allocation_store.hpp"
#include "test_support.hpp"

using namespace kvpod;
using hook::AllocationRecord;
using hook::ClaimState;
using host::AllocationStore;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;
using namespace std::chrono_literals;

namespace {

const std::string kBoot = "7d5a1f62-1f3c-4a0e-9d7e-2a1b3c4d5e6f";

/// A container id made of one hex digit.
std::string cid(char c) { return std::string(64, c); }

AllocationRecord rec(char c, const std::string& vm = "vm") {
    return AllocationRecord{cid(c), ClaimState::Pending, {"gpu:0000:01:00.0"}, hook::ProcessRef{1234, 99}, "", vm};
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

/// A one-shot pipe between a test and its forked child.
struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() { REQUIRE(::pipe(fd) == 0); }
    ~Pipe() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    // Used in forked children too, where doctest must not be called.
    void send(char c) const { [[maybe_unused]] auto n = ::write(fd[1], &c, 1); }
    char receive() const {
        char c = 0;
        return ::read(fd[0], &c, 1) == 1 ? c : '\0';
    }
};

int wait_child(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

}  // namespace

TEST_CASE("a missing state directory is created with mode 0700, parents included") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/run/oci-kubevirt-hook";
    AllocationStore store(dir, kBoot);
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(names_in(dir) == std::vector<std::string>{"lock"});
    store.lock(1s);
    CHECK(store.read_records().empty());
    CHECK(names_in(dir) == std::vector<std::string>{"boot-id", "lock"});
    CHECK(testing::read_file(dir + "/boot-id") == kBoot + "\n");
}

TEST_CASE("unusable state directories are refused with the reason and the fix") {
    FakeRoot tmp;
    tmp.file("/file", "x").dir("/open").dir("/fine");
    ::chmod((tmp.path() + "/open").c_str(), 0777);
    tmp.symlink("/link", tmp.path() + "/fine");
    struct Case {
        std::string dir;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {tmp.path() + "/file", tmp.path() + "/file: not a directory; remove it, or set allocation.stateDir to another path"},
        {tmp.path() + "/link", tmp.path() + "/link: not a directory; remove it, or set allocation.stateDir to another path"},
        {tmp.path() + "/open", tmp.path() + "/open: owned by uid " + std::to_string(::geteuid()) +
                                   " with mode 0777: other users could forge or remove device claims there; chown it to "
                                   "the user Podman runs as and chmod 0700 it"},
        {"relative/dir", "relative/dir: not an absolute path; set allocation.stateDir to an absolute path"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.dir);
        CHECK(error_of([&] { AllocationStore(c.dir, kBoot); }) == c.expected);
    }
}

TEST_CASE("a read-only state directory is refused: exclusivity cannot be guaranteed") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    { AllocationStore(dir, kBoot); }
    const std::string fix = "; make it writable, or set allocation.stateDir in the hook's configuration to a writable "
                            "directory (a tmpfs such as /run: claims must end at reboot)";
    const std::string tail = "), so the VM's devices cannot be kept to one container and the container is not started";
    if (::geteuid() != 0) {
        ::chmod(dir.c_str(), 0500);
        CHECK(error_of([&] { AllocationStore(dir, kBoot); }) == dir + ": not writable (Permission denied" + tail + fix);
        ::chmod(dir.c_str(), 0700);
        return;
    }
    // Root ignores permission bits: make it a read-only mount, in a child's
    // private mount namespace so nothing outside the test sees it.
    Pipe result;
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
            ::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
            ::_exit(2);
        std::string message = error_of([&] { AllocationStore(dir, kBoot); });
        std::string missing = error_of([&] { AllocationStore(dir + "/sub", kBoot); });
        std::string both = message + "\n" + missing;
        [[maybe_unused]] auto n = ::write(result.fd[1], both.data(), both.size());
        ::_exit(0);
    }
    ::close(result.fd[1]);
    result.fd[1] = -1;
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = ::read(result.fd[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    int status = wait_child(child);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        MESSAGE("skipped: cannot make a private read-only mount here");
        return;
    }
    CHECK(got == dir + ": not writable (Read-only file system" + tail + fix + "\n" + dir +
                     "/sub: not writable (Read-only file system" + tail + fix);
}

TEST_CASE("records are replaced atomically: a reader never sees a partial record") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    { AllocationStore(dir, kBoot); }
    // Two versions of one record, different in length, written in turn.
    auto small = rec('a', "v");
    auto large = rec('a', std::string(20000, 'x'));
    std::string path = dir + "/" + hook::record_file_name(cid('a'));
    pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        AllocationStore store(dir, kBoot);
        for (int i = 0; i < 200; ++i) {
            store.lock(5s);
            store.write(i % 2 ? large : small);
            store.unlock();
        }
        ::_exit(0);
    }
    const std::string want_small = hook::render_record(small);
    const std::string want_large = hook::render_record(large);
    int seen = 0, torn = 0;
    while (::waitpid(writer, nullptr, WNOHANG) == 0) {
        int fd = ::open(path.c_str(), O_RDONLY);  // no lock: what any reader could see
        if (fd < 0) continue;
        std::string text;
        char buf[65536];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        ++seen;
        if (text != want_small && text != want_large) ++torn;
    }
    CHECK(seen > 0);
    CHECK(torn == 0);
    // No temp files are left behind.
    CHECK(names_in(dir) == std::vector<std::string>{hook::record_file_name(cid('a')), "lock"});
}

TEST_CASE("the lock excludes other processes, and a waiter gives up with a clear error") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    Pipe locked, release;
    pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        AllocationStore store(dir, kBoot);
        store.lock(5s);
        locked.send('L');
        release.receive();
        ::_exit(0);
    }
    REQUIRE(locked.receive() == 'L');
    AllocationStore store(dir, kBoot);
    auto started = std::chrono::steady_clock::now();
    CHECK(error_of([&] { store.lock(200ms); }) ==
          dir + "/lock: another oci-kubevirt-hook held the allocation lock for more than 200 ms; see which process "
                "holds it with: fuser -v " + dir + "/lock");
    CHECK(std::chrono::steady_clock::now() - started >= 200ms);
    release.send('R');
    wait_child(holder);
    store.lock(1s);  // free once the holder exits
    store.unlock();
}

TEST_CASE("read → modify → write under the lock loses no update across processes") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    {
        AllocationStore store(dir, kBoot);
        store.lock(1s);
        store.write(rec('c', "0"));
    }
    constexpr int kChildren = 4, kRounds = 25;
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            AllocationStore store(dir, kBoot);
            for (int i = 0; i < kRounds; ++i) {
                store.lock(10s);
                auto files = store.read_records();
                auto r = hook::parse_record(files.at(0));
                r.vm = std::to_string(std::stoi(r.vm) + 1);
                store.write(r);
                store.unlock();
            }
            ::_exit(0);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) CHECK(wait_child(pid) == 0);
    AllocationStore store(dir, kBoot);
    store.lock(1s);
    auto files = store.read_records();
    REQUIRE(files.size() == 1);
    CHECK(hook::parse_record(files[0]).vm == std::to_string(kChildren * kRounds));
}

TEST_CASE("a writer killed mid-write leaves nothing stuck: the lock is free and its temp file is removed") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    { AllocationStore(dir, kBoot); }
    Pipe written;
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        AllocationStore store(dir, kBoot);
        store.lock(5s);
        store.write(rec('d'), [&] {
            written.send('W');
            ::pause();  // holding the lock, the temp file complete, not yet renamed
        });
        ::_exit(0);
    }
    REQUIRE(written.receive() == 'W');
    std::string temp = ".tmp-" + std::to_string(child) + "-" + hook::record_file_name(cid('d'));
    CHECK(names_in(dir) == std::vector<std::string>{temp, "lock"});
    ::kill(child, SIGKILL);
    int status = wait_child(child);
    CHECK(WIFSIGNALED(status));

    AllocationStore store(dir, kBoot);
    store.lock(100ms);  // at once: the kernel dropped the dead writer's lock
    CHECK(store.read_records().empty());
    CHECK(store.take_notes() ==
          std::vector<std::string>{"removed " + dir + "/" + temp + ", left by a hook that died while writing it"});
    CHECK(names_in(dir) == std::vector<std::string>{"boot-id", "lock"});
    store.write(rec('e'));
    CHECK(store.read_records().size() == 1);
}

TEST_CASE("records of an earlier boot are removed: pids and start times repeat across boots") {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
    {
        AllocationStore store(dir, kBoot);
        store.lock(1s);
        store.read_records();
        store.write(rec('a'));
        store.write(rec('b'));
    }
    {
        AllocationStore same_boot(dir, kBoot);
        same_boot.lock(1s);
        CHECK(same_boot.read_records().size() == 2);
        CHECK(same_boot.take_notes().empty());
    }
    AllocationStore store(dir, "0f0e0d0c-0000-4000-8000-000000000001");
    store.lock(1s);
    CHECK(store.read_records().empty());
    CHECK(store.take_notes() == std::vector<std::string>{"removed the records of an earlier boot (" + kBoot + ")"});
    CHECK(testing::read_file(dir + "/boot-id") == "0f0e0d0c-0000-4000-8000-000000000001\n");
}

TEST_CASE("the store refuses to touch records without the lock") {
    FakeRoot tmp;
    AllocationStore store(tmp.path() + "/state", kBoot);
    CHECK(error_of([&] { store.read_records(); }) ==
          tmp.path() + "/state: reading allocation records without the lock; this is a bug in oci-kubevirt-hook");
    CHECK(error_of([&] { store.write(rec('a')); }) ==
          tmp.path() + "/state: writing allocation records without the lock; this is a bug in oci-kubevirt-hook");
}
