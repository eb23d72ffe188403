// SPDX-License-Identifier: Apache-2.0
// Exclusive allocation rules, against a fake liveness oracle and an
// in-memory directory of records.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "test_support.hpp"

using namespace kvpod::hook;
using kvpod::testing::error_of;

namespace {

std::string cid(char c) { return std::string(64, c); }

const std::string kDir = "/run/oci-kubevirt-hook";
const std::vector<std::string> kGpus = {"gpu:0000:01:00.0", "gpu:0000:02:00.0", "gpu:0000:03:00.0", "gpu:0000:04:00.0"};

/// Processes that run and container directories that exist, as the test says.
class FakeLiveness : public Liveness {
public:
    std::set<std::pair<std::int64_t, std::uint64_t>> processes;
    std::set<std::string> gone_dirs;

    bool running(const ProcessRef& ref) const override { return processes.count({ref.pid, ref.start_time}) > 0; }
    bool container_exists(const std::string& dir) const override { return gone_dirs.count(dir) == 0; }

    ProcessRef start(std::int64_t pid, std::uint64_t start_time) {
        processes.insert({pid, start_time});
        return {pid, start_time};
    }
    void stop(const ProcessRef& ref) { processes.erase({ref.pid, ref.start_time}); }
};

AllocationRecord record(const std::string& id, ClaimState state, std::vector<std::string> units,
                        std::optional<ProcessRef> owner, const std::string& vm = "") {
    return AllocationRecord{id, state, std::move(units), owner, "/c/" + id.substr(0, 4), vm};
}

RecordFile file_of(const AllocationRecord& r) {
    return RecordFile{record_file_name(r.container_id), kDir + "/" + record_file_name(r.container_id), render_record(r)};
}

RecordFile raw_file(const std::string& id, const std::string& text) {
    return RecordFile{record_file_name(id), kDir + "/" + record_file_name(id), text};
}

/// The host store reduced to a map of file texts, and the three hook stages
/// run against it the way the hook runs them, with a planner stand-in that
/// prefers the container's previous units and otherwise takes free ones in
/// order. Test-only: the real planner is the GPU planner of src/core/hook.
class World {
public:
    FakeLiveness live;
    std::map<std::string, RecordFile> files;  // by name

    std::vector<RecordFile> list() const {
        std::vector<RecordFile> out;
        for (const auto& [name, f] : files) out.push_back(f);
        return out;
    }
    void put(const AllocationRecord& r) { files[record_file_name(r.container_id)] = file_of(r); }
    std::optional<AllocationRecord> get(const std::string& id) const {
        auto it = files.find(record_file_name(id));
        if (it == files.end()) return std::nullopt;
        return parse_record(it->second);
    }

    /// precreate: survey, plan `count` GPUs, claim. Returns the claimed units,
    /// or the planner's refusal text.
    std::vector<std::string> precreate(const std::string& id, std::size_t count, const ProcessRef& podman,
                                       std::string* refusal = nullptr) {
        auto found = survey(list(), id, live);
        for (const auto& name : found.obsolete) files.erase(name);
        std::vector<std::string> chosen;
        for (const auto& u : kGpus)
            if (found.preferred.count(u) && !found.unavailable.count(u) && chosen.size() < count) chosen.push_back(u);
        for (const auto& u : kGpus)
            if (!found.unavailable.count(u) && !found.preferred.count(u) && chosen.size() < count) chosen.push_back(u);
        if (chosen.size() < count) {
            if (refusal) *refusal = "no free GPU: " + std::to_string(found.unavailable.size()) + " in use";
            return {};
        }
        put(pending_claim(found, id, chosen, podman, "/c/" + id.substr(0, 4), "vm-" + id.substr(0, 1)));
        return get(id)->units;
    }
    void create_runtime(const std::string& id, const ProcessRef& init) {
        auto bound = bind_to_container(survey(list(), id, live), init, "/c/" + id.substr(0, 4));
        if (bound) put(*bound);
    }
    void poststop(const std::string& id) {
        auto released = release(survey(list(), id, live), live);
        if (released) put(*released);
    }
    std::set<std::string> taken_by_others_of(const std::string& id) const { return survey(list(), id, live).unavailable; }
};

}  // namespace

TEST_CASE("record: the file text is fixed, and reads back as written") {
    auto r = record(cid('a'), ClaimState::Running, {"gpu:0000:01:00.0", "mdev:4b20d080-1b54-4048-85b3-a6a62d165c01"},
                    ProcessRef{4242, 987654}, "vm1");
    const std::string expected = R"({
  "version": 1,
  "container": ")" + cid('a') + R"(",
  "state": "running",
  "units": [
    "gpu:0000:01:00.0",
    "mdev:4b20d080-1b54-4048-85b3-a6a62d165c01"
  ],
  "owner": {
    "pid": 4242,
    "startTime": 987654
  },
  "containerDir": "/c/aaaa",
  "vm": "vm1"
}
)";
    CHECK(render_record(r) == expected);
    CHECK(parse_record(file_of(r)) == r);
    auto stopped = record(cid('b'), ClaimState::Stopped, {"pci:0000:81:00.1"}, std::nullopt);
    CHECK(parse_record(file_of(stopped)) == stopped);
}

TEST_CASE("record: malformed files are errors naming the file and the field") {
    const std::string id = cid('a');
    const std::string path = kDir + "/" + id + ".json";
    auto with = [&](const std::string& body) { return R"({"version": 1, "container": ")" + id + "\"" + body + "}"; };
    struct Case {
        const char* name;
        std::string text;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"truncated", R"({"version": 1, "cont)",
         path + ":1:21: invalid JSON: syntax error while parsing object key - invalid string: missing closing quote; expected string literal"},
        {"not an object", "[]", path + ":: expected a JSON object"},
        {"version", R"({"version": 2})", path + ":/version: expected version 1, found 2"},
        {"other container", R"({"version": 1, "container": ")" + cid('b') + R"(", "state": "stopped", "units": []})",
         path + ":/container: names another container than the file name does"},
        {"state", with(R"(, "state": "paused", "units": [])"), path + ":/state: unknown state 'paused'"},
        {"unit", with(R"(, "state": "stopped", "units": ["gpu:01:00.0"])"),
         path + ":/units/0: expected a unit key (gpu:<pci address>[/gi<N>], pci:<pci address>, mdev:<uuid>)"},
        {"unsorted", with(R"(, "state": "stopped", "units": ["pci:0000:02:00.0", "pci:0000:01:00.0"])"),
         path + ":/units: not sorted and unique"},
        {"owner missing", with(R"(, "state": "running", "units": [])"), path + ":/owner: missing for a running claim"},
        {"owner when stopped", with(R"(, "state": "stopped", "units": [], "owner": {"pid": 1, "startTime": 2})"),
         path + ":/owner: present in a stopped record"},
        {"pid zero", with(R"(, "state": "pending", "units": [], "owner": {"pid": 0, "startTime": 2})"),
         path + ":/owner/pid: not a process id"},
        {"start time", with(R"(, "state": "pending", "units": [], "owner": {"pid": 5, "startTime": -1})"),
         path + ":/owner/startTime: expected a whole number"},
        {"unknown key", with(R"(, "state": "stopped", "units": [], "extra": 1)"), path + ":/extra: unknown key"},
    };
    for (const auto& c : cases) {
        CAPTURE(std::string(c.name));
        auto message = error_of([&] { parse_record(raw_file(id, c.text)); });
        CAPTURE(message);
        CHECK(message == c.expected);
    }
}

TEST_CASE("unit keys: PCI addresses and mdev UUIDs as the kernel writes them") {
    const std::vector<std::pair<std::string, bool>> cases = {
        {"gpu:0000:01:00.0", true},          {"pci:0000:af:1f.7", true},
        {"gpu:0000:41:00.0/gi1", true},      {"gpu:0000:41:00.0/gi14", true},
        {"gpu:0000:41:00.0/ci1", false},     {"gpu:0000:41:00.0/gi", false},
        {"pci:0000:41:00.0/gi1", false},     {"gpu:0000:41:00.0/gi1/x", false},
        {"mdev:4b20d080-1b54-4048-85b3-a6a62d165c01", true},
        {"gpu:0000:01:00.8", false},         {"gpu:0000:AF:00.0", false},
        {"pci:01:00.0", false},              {"usb:0000:01:00.0", false},
        {"mdev:4b20d080", false},            {"gpu:0000:01:00.0/../x", false},
        {"", false},
    };
    for (const auto& [key, valid] : cases) {
        CAPTURE(key);
        CHECK(valid_unit_key(key) == valid);
    }
}

TEST_CASE("overlap: a whole GPU and its MIG instances exclude each other") {
    struct Case {
        std::string a, b;
        bool overlap;
    };
    const std::vector<Case> cases = {
        {"gpu:0000:41:00.0", "gpu:0000:41:00.0", true},
        {"gpu:0000:41:00.0", "gpu:0000:41:00.0/gi1", true},
        {"gpu:0000:41:00.0/gi2", "gpu:0000:41:00.0", true},
        {"gpu:0000:41:00.0/gi1", "gpu:0000:41:00.0/gi2", false},
        {"gpu:0000:41:00.0/gi1", "gpu:0000:41:00.0/gi12", false},
        {"gpu:0000:41:00.0", "pci:0000:41:00.0", false},
        {"gpu:0000:41:00.0", "gpu:0000:41:00.1", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.a);
        CAPTURE(c.b);
        CHECK(units_overlap(c.a, c.b) == c.overlap);
    }
    FakeLiveness live;
    auto podman = live.start(1, 1);
    std::vector<RecordFile> files = {file_of(record(cid('b'), ClaimState::Running, {"gpu:0000:41:00.0/gi1"}, podman))};
    auto found = survey(files, cid('a'), live);
    CHECK(error_of([&] { pending_claim(found, cid('a'), {"gpu:0000:41:00.0"}, podman, "", ""); }) ==
          "gpu:0000:41:00.0 is held by container bbbbbbbbbbbb (gpu:0000:41:00.0/gi1); stop that container first, or ask "
          "for another device");
    CHECK(pending_claim(found, cid('a'), {"gpu:0000:41:00.0/gi2"}, podman, "", "").units ==
          std::vector<std::string>{"gpu:0000:41:00.0/gi2"});
}

TEST_CASE("survey: which records hold units, which are this container's, which are garbage") {
    FakeLiveness live;
    auto podman = live.start(100, 5000);
    auto init_b = live.start(200, 6000);
    ProcessRef dead{300, 7000};
    ProcessRef reused_pid{100, 1};  // pid 100 now runs something else
    const std::string me = cid('a');
    live.gone_dirs.insert("/c/ffff");
    live.gone_dirs.insert("/c/eeee");
    live.gone_dirs.insert("/c/dddd");

    std::vector<RecordFile> files = {
        file_of(record(me, ClaimState::Stopped, {kGpus[0]}, std::nullopt)),                     // my previous units
        file_of(record(cid('b'), ClaimState::Running, {kGpus[1]}, init_b, "vm-b")),             // live
        file_of(record(cid('c'), ClaimState::Pending, {kGpus[2]}, podman, "vm-c")),             // live, pending
        file_of(record(cid('9'), ClaimState::Pending, {kGpus[3]}, reused_pid)),                 // Podman gone, container kept
        file_of(record(cid('8'), ClaimState::Running, {kGpus[3]}, dead)),                       // exited, container kept
        file_of(record(cid('f'), ClaimState::Running, {kGpus[3]}, dead)),                       // exited, container removed
        file_of(record(cid('e'), ClaimState::Stopped, {kGpus[3]}, std::nullopt)),               // stopped, removed
        file_of(record(cid('d'), ClaimState::Pending, {kGpus[3]}, podman)),                     // removed while Podman runs
    };
    auto found = survey(files, me, live);
    CHECK(found.unavailable == std::set<std::string>{kGpus[1], kGpus[2]});
    CHECK(found.preferred == std::set<std::string>{kGpus[0]});
    REQUIRE(found.own.has_value());
    CHECK(found.own->state == ClaimState::Stopped);
    CHECK(found.obsolete == std::vector<std::string>{cid('f') + ".json", cid('e') + ".json", cid('d') + ".json"});
    CHECK(describe_holders(found) ==
          std::vector<std::string>{kGpus[1] + " (container bbbbbbbbbbbb, VM 'vm-b')",
                                   kGpus[2] + " (container cccccccccccc, VM 'vm-c')"});
    CHECK(found.notes.empty());
}

TEST_CASE("corrupt records: free only when provably stale, otherwise a refusal that names the file and the fix") {
    const std::string id = cid('c');
    const std::string path = kDir + "/" + id + ".json";
    struct Case {
        const char* name;
        std::string text;
        bool owner_runs;
        std::string error;  // empty: provably stale, removed
    };
    const std::string fix = "; it may describe devices a running container holds, so none are handed out until it is "
                            "fixed; if no running container uses the devices it lists, remove " + path;
    const std::vector<Case> cases = {
        {"dead owner, bad units", R"({"version": 1, "container": ")" + id + R"(", "state": "running", "units": [7], "owner": {"pid": 300, "startTime": 9}})",
         false, ""},
        {"live owner, bad units", R"({"version": 1, "container": ")" + id + R"(", "state": "running", "units": [7], "owner": {"pid": 300, "startTime": 9}})",
         true, "corrupt allocation record: " + path + ":/units/0: expected a unit key (gpu:<pci address>[/gi<N>], pci:<pci address>, mdev:<uuid>)" + fix},
        {"stopped, unknown version", R"({"version": 9, "state": "stopped"})", false, ""},
        {"truncated", R"({"version": 1, "container": ")" + id.substr(0, 10), false,
         "corrupt allocation record: " + path + ":1:40: invalid JSON: syntax error while parsing value - invalid string: missing closing quote" + fix},
        {"empty", "", false,
         "corrupt allocation record: " + path + ":1:1: invalid JSON: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal" + fix},
        {"no owner to check", R"({"version": 1, "state": "running", "units": ["gpu:0000:01:00.0"]})", false,
         "corrupt allocation record: " + path + ":/container: missing" + fix},
    };
    for (const auto& c : cases) {
        CAPTURE(std::string(c.name));
        FakeLiveness live;
        if (c.owner_runs) live.start(300, 9);
        std::vector<RecordFile> files = {raw_file(id, c.text)};
        if (c.error.empty()) {
            auto found = survey(files, cid('a'), live);
            CHECK(found.obsolete == std::vector<std::string>{id + ".json"});
            CHECK(found.unavailable.empty());
            REQUIRE(found.notes.size() == 1);
            CHECK(found.notes[0].rfind("removing corrupt record " + path + ", which holds nothing (", 0) == 0);
        } else {
            auto message = error_of([&] { survey(files, cid('a'), live); });
            CAPTURE(message);
            CHECK(message == c.error);
        }
    }
}

TEST_CASE("claim and conflict: a unit another live container holds is never claimed") {
    World w;
    auto podman = w.live.start(100, 1);
    CHECK(w.precreate(cid('a'), 2, podman) == std::vector<std::string>{kGpus[0], kGpus[1]});
    CHECK(w.get(cid('a'))->state == ClaimState::Pending);
    CHECK(w.precreate(cid('b'), 2, podman) == std::vector<std::string>{kGpus[2], kGpus[3]});
    std::string refusal;
    CHECK(w.precreate(cid('c'), 1, podman, &refusal).empty());
    CHECK(refusal == "no free GPU: 4 in use");
    CHECK_FALSE(w.get(cid('c')).has_value());

    // The core refuses a conflicting claim whatever the planner says.
    auto found = survey(w.list(), cid('c'), w.live);
    CHECK(error_of([&] { pending_claim(found, cid('c'), {kGpus[3]}, podman, "", ""); }) ==
          "gpu:0000:04:00.0 is held by container bbbbbbbbbbbb; stop that container first, or ask for another device");
    CHECK(error_of([&] { pending_claim(found, cid('c'), {"gpu:0000:01:00"}, podman, "", ""); }) ==
          "the device planner claimed 'gpu:0000:01:00', which is not a unit key; this is a bug in oci-kubevirt-hook; please report it");
    CHECK(error_of([&] { pending_claim(found, "", {kGpus[3]}, podman, "", ""); }) ==
          "no container id to claim devices for; the runtime config does not name its container");
}

TEST_CASE("pending claims: bound to Podman until createRuntime binds them to the container") {
    World w;
    auto podman = w.live.start(100, 1);
    w.precreate(cid('a'), 1, podman);
    CHECK(w.taken_by_others_of(cid('b')) == std::set<std::string>{kGpus[0]});

    auto init = w.live.start(500, 2);
    w.create_runtime(cid('a'), init);
    auto a = w.get(cid('a'));
    CHECK(a->state == ClaimState::Running);
    CHECK(a->owner == init);
    w.live.stop(podman);  // podman run -d exits; the container keeps its unit
    CHECK(w.taken_by_others_of(cid('b')) == std::set<std::string>{kGpus[0]});

    // A pending claim whose Podman died before createRuntime holds nothing.
    auto podman2 = w.live.start(101, 3);
    w.precreate(cid('c'), 1, podman2);
    CHECK(w.taken_by_others_of(cid('b')) == std::set<std::string>{kGpus[0], kGpus[1]});
    w.live.stop(podman2);
    CHECK(w.taken_by_others_of(cid('b')) == std::set<std::string>{kGpus[0]});

    // ... and if its unit went elsewhere meanwhile, its createRuntime fails.
    auto podman3 = w.live.start(102, 4);
    CHECK(w.precreate(cid('d'), 1, podman3) == std::vector<std::string>{kGpus[1]});
    CHECK(error_of([&] { w.create_runtime(cid('c'), w.live.start(600, 5)); }) ==
          "keeping the devices claimed at precreate: gpu:0000:02:00.0 is held by container dddddddddddd; stop that "
          "container first, or ask for another device");
    CHECK(w.get(cid('c'))->state == ClaimState::Pending);

    // createRuntime of a container without a record changes nothing.
    auto before = w.files;
    w.create_runtime(cid('e'), w.live.start(700, 6));
    CHECK(w.files.size() == before.size());
}

TEST_CASE("release and restart: poststop frees the units and a restart gets the same ones back") {
    World w;
    auto podman = w.live.start(100, 1);
    w.precreate(cid('a'), 1, podman);
    w.precreate(cid('b'), 1, podman);
    auto init_a = w.live.start(500, 2);
    auto init_b = w.live.start(501, 2);
    w.create_runtime(cid('a'), init_a);
    w.create_runtime(cid('b'), init_b);
    CHECK(w.get(cid('b'))->units == std::vector<std::string>{kGpus[1]});

    // poststop while the process still runs releases nothing.
    w.poststop(cid('b'));
    CHECK(w.get(cid('b'))->state == ClaimState::Running);

    w.live.stop(init_b);
    w.poststop(cid('b'));
    auto b = w.get(cid('b'));
    CHECK(b->state == ClaimState::Stopped);
    CHECK_FALSE(b->owner.has_value());
    CHECK(b->units == std::vector<std::string>{kGpus[1]});
    CHECK(w.taken_by_others_of(cid('c')) == std::set<std::string>{kGpus[0]});
    w.poststop(cid('b'));  // a second poststop is a no-op
    CHECK(w.get(cid('b')) == b);

    // podman restart b: gets GPU 2 back although GPU 3 comes first among the free ones.
    CHECK(w.precreate(cid('b'), 1, podman) == std::vector<std::string>{kGpus[1]});

    // A container that died without poststop (conmon killed) also gets its units back.
    w.live.stop(init_a);
    CHECK(w.precreate(cid('a'), 1, podman) == std::vector<std::string>{kGpus[0]});

    // When its previous unit went to another container meanwhile, the restart gets another.
    auto init_b2 = w.live.start(502, 3);
    w.create_runtime(cid('b'), init_b2);
    w.live.stop(init_b2);
    w.poststop(cid('b'));
    CHECK(w.precreate(cid('c'), 1, podman) == std::vector<std::string>{kGpus[1]});
    CHECK(w.precreate(cid('b'), 1, podman) == std::vector<std::string>{kGpus[2]});
}

TEST_CASE("idempotence: the same container's precreate twice claims nothing new") {
    World w;
    auto podman = w.live.start(100, 1);
    auto first = w.precreate(cid('a'), 2, podman);
    auto files = w.files;
    CHECK(w.precreate(cid('a'), 2, podman) == first);
    CHECK(w.files.size() == files.size());
    CHECK(w.files.at(cid('a') + ".json").text == files.at(cid('a') + ".json").text);
    CHECK(w.taken_by_others_of(cid('b')) == std::set<std::string>(first.begin(), first.end()));
}

TEST_CASE("reclaim: records of removed containers go; stopped containers that still exist keep their memory") {
    World w;
    auto podman = w.live.start(100, 1);
    for (char c : {'a', 'b', 'c'}) {
        w.precreate(cid(c), 1, podman);
        auto init = w.live.start(400 + c, 2);
        w.create_runtime(cid(c), init);
        w.live.stop(init);
    }
    w.poststop(cid('a'));                 // a: stopped normally, then removed
    w.live.gone_dirs.insert("/c/aaaa");
    w.live.gone_dirs.insert("/c/bbbb");   // b: died without poststop, then removed
                                          // c: died without poststop, still exists
    w.precreate(cid('d'), 1, w.live.start(101, 9));
    CHECK_FALSE(w.get(cid('a')).has_value());
    CHECK_FALSE(w.get(cid('b')).has_value());
    REQUIRE(w.get(cid('c')).has_value());
    CHECK(w.get(cid('d'))->units == std::vector<std::string>{kGpus[0]});
}
