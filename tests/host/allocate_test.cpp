// SPDX-License-Identifier: Apache-2.0
// Precreate's exclusive allocation and the runtime hooks, in-process against
// a temp state directory and real processes. The planner here is a test
// stand-in for the GPU planner: it takes the first free units of four.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "fake_root.hpp"
#include "hook/allocate.hpp"
#include "hook/runtime_hook.hpp"
#include "host/process.hpp"
#include "test_support.hpp"

using namespace kvpod;
using namespace kvpod::hook;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

namespace {

std::string cid(char c) { return std::string(64, c); }

const std::vector<std::string> kGpus = {"gpu:0000:01:00.0", "gpu:0000:02:00.0", "gpu:0000:03:00.0", "gpu:0000:04:00.0"};

/// Test-only stand-in for the GPU planner.
UnitPlanner take_free(std::size_t count, std::set<std::string>* saw_unavailable = nullptr,
                      std::set<std::string>* saw_preferred = nullptr) {
    return [=](const std::set<std::string>& unavailable, const std::set<std::string>& preferred) {
        if (saw_unavailable) *saw_unavailable = unavailable;
        if (saw_preferred) *saw_preferred = preferred;
        DevicePlan plan;
        for (const auto& unit : kGpus)
            if (!unavailable.count(unit) && plan.claimed_units.size() < count) plan.claimed_units.push_back(unit);
        if (plan.claimed_units.size() < count) {
            plan.claimed_units.clear();
            plan.refusals.push_back(Error("no free GPU"));
        }
        return plan;
    };
}

struct Setup {
    FakeRoot tmp;
    std::string state_dir = tmp.path() + "/state";
    AllocationOptions options{state_dir, std::chrono::milliseconds(2000), "/usr/libexec/oci-kubevirt-hook", 0};

    Claimant claimant(char c) {
        tmp.dir("/containers/" + std::string(1, c));
        return Claimant{cid(c), tmp.path() + "/containers/" + std::string(1, c), "vm-" + std::string(1, c)};
    }
    std::optional<AllocationRecord> record(char c) const {
        std::string name = record_file_name(cid(c));
        std::string path = state_dir + "/" + name;
        if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
        return parse_record(RecordFile{name, path, testing::read_file(path)});
    }
    std::string state_json(char c, pid_t pid) const {
        std::string json = R"({"ociVersion":"1.0.2-dev","id":")" + cid(c) + R"(","status":")" +
                           (pid ? "creating" : "stopped") + R"(","bundle":")" + tmp.path() + "/containers/" +
                           std::string(1, c) + "\"";
        if (pid) json += ",\"pid\":" + std::to_string(pid);
        return json + "}";
    }
};

pid_t sleeper() {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    return pid;
}

void end(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

}  // namespace

TEST_CASE("precreate claims the planned units and adds the runtime hooks that keep them") {
    Setup s;
    auto plan = plan_exclusive(s.claimant('a'), s.options, take_free(2));
    REQUIRE(plan.ok());
    CHECK(plan.claimed_units == std::vector<std::string>{kGpus[0], kGpus[1]});
    REQUIRE(plan.patch.hooks.size() == 2);
    const auto& create = plan.patch.hooks[0];
    CHECK(create.stage == "createRuntime");
    CHECK(create.path == "/usr/libexec/oci-kubevirt-hook");
    CHECK(create.args ==
          std::vector<std::string>{"oci-kubevirt-hook", "runtime-hook", "create-runtime", "--state-dir", s.state_dir});
    CHECK(create.timeout == 10);
    CHECK(plan.patch.hooks[1].stage == "poststop");
    CHECK(plan.patch.hooks[1].args[2] == "poststop");

    auto a = s.record('a');
    REQUIRE(a.has_value());
    CHECK(a->state == ClaimState::Pending);
    CHECK(a->owner->pid == ::getppid());  // the process that ran "the hook": Podman in real life
    CHECK(a->container_dir == s.tmp.path() + "/containers/a");
    CHECK(a->vm == "vm-a");

    std::set<std::string> unavailable;
    auto refused = plan_exclusive(s.claimant('b'), s.options, take_free(3, &unavailable));
    CHECK_FALSE(refused.ok());
    CHECK(unavailable == std::set<std::string>{kGpus[0], kGpus[1]});
    CHECK(refused.patch.hooks.empty());
    CHECK_FALSE(s.record('b').has_value());
}

TEST_CASE("createRuntime binds the claim to the container, poststop releases it, a restart prefers it") {
    Setup s;
    plan_exclusive(s.claimant('a'), s.options, take_free(1));
    plan_exclusive(s.claimant('b'), s.options, take_free(1));
    pid_t init = sleeper();
    CHECK(run_runtime_hook(RuntimeStage::CreateRuntime, s.state_json('b', init), s.state_dir) == 0);
    host::HostRoot root("/");
    auto ref = host::ProcessTable(root).find(init);
    REQUIRE(ref.has_value());
    auto b = s.record('b');
    CHECK(b->state == ClaimState::Running);
    CHECK(b->owner == ref);
    CHECK(b->units == std::vector<std::string>{kGpus[1]});

    // poststop while the process runs (it cannot, with runc) releases nothing.
    CHECK(run_runtime_hook(RuntimeStage::Poststop, s.state_json('b', 0), s.state_dir) == 0);
    CHECK(s.record('b')->state == ClaimState::Running);
    end(init);
    CHECK(run_runtime_hook(RuntimeStage::Poststop, s.state_json('b', 0), s.state_dir) == 0);
    b = s.record('b');
    CHECK(b->state == ClaimState::Stopped);
    CHECK(b->units == std::vector<std::string>{kGpus[1]});

    std::set<std::string> unavailable, preferred;
    auto again = plan_exclusive(s.claimant('b'), s.options, take_free(1, &unavailable, &preferred));
    CHECK(unavailable == std::set<std::string>{kGpus[0]});
    CHECK(preferred == std::set<std::string>{kGpus[1]});
    CHECK(again.ok());
}

TEST_CASE("runtime hooks: createRuntime fails closed, poststop never fails") {
    Setup s;
    plan_exclusive(s.claimant('a'), s.options, take_free(1));
    pid_t gone = sleeper();
    end(gone);
    CHECK(run_runtime_hook(RuntimeStage::CreateRuntime, s.state_json('a', gone), s.state_dir) == 1);
    CHECK(s.record('a')->state == ClaimState::Pending);
    CHECK(run_runtime_hook(RuntimeStage::CreateRuntime, "not json", s.state_dir) == 1);

    s.tmp.file("/not-a-dir", "x");
    CHECK(run_runtime_hook(RuntimeStage::Poststop, s.state_json('a', 0), s.tmp.path() + "/not-a-dir") == 0);
    CHECK(run_runtime_hook(RuntimeStage::Poststop, "not json", s.state_dir) == 0);
    // A container without a claim: nothing to do, no record made.
    pid_t init = sleeper();
    CHECK(run_runtime_hook(RuntimeStage::CreateRuntime, s.state_json('c', init), s.state_dir) == 0);
    CHECK(run_runtime_hook(RuntimeStage::Poststop, s.state_json('c', 0), s.state_dir) == 0);
    CHECK_FALSE(s.record('c').has_value());
    end(init);
}

TEST_CASE("precreate refusals name the reason and the fix") {
    Setup s;
    s.tmp.file("/not-a-dir", "x");
    auto bad_dir = s.options;
    bad_dir.state_dir = s.tmp.path() + "/not-a-dir";
    CHECK(error_of([&] { plan_exclusive(s.claimant('a'), bad_dir, take_free(1)); }) ==
          "allocating passthrough devices: " + bad_dir.state_dir +
              ": not a directory; remove it, or set allocation.stateDir to another path");

    Claimant nameless{"", "", "vm"};
    CHECK(error_of([&] { plan_exclusive(nameless, s.options, take_free(1)); }) ==
          "allocating passthrough devices: config.json: cannot tell the container's id from the runtime config "
          "(linux.cgroupsPath, the /run/.containerenv mount); devices are only handed out to containers Podman starts");

    // A corrupt record stops everyone until it is looked at.
    plan_exclusive(s.claimant('a'), s.options, take_free(1));
    std::string path = s.state_dir + "/" + record_file_name(cid('b'));
    s.tmp.file("/state/" + record_file_name(cid('b')), R"({"version": 1, "state": "running")");
    CHECK(error_of([&] { plan_exclusive(s.claimant('c'), s.options, take_free(1)); }) ==
          "allocating passthrough devices: corrupt allocation record: " + path +
              ":1:34: invalid JSON: syntax error while parsing object - unexpected end of input; expected '}'; it may "
              "describe devices a running container holds, so none are handed out until it is fixed; if no running "
              "container uses the devices it lists, remove " + path);
}
