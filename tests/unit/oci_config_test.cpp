// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/hook/seccomp_profile.hpp"
#include "core/oci_config.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;
using kvpod::testing::error_of;
namespace oci = kvpod::oci;

namespace {

Json base() { return Json::parse(R"({"process": {"env": ["A=1"]}, "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}]}}})"); }

oci::Patch kvm_patch() {
    oci::Patch p;
    p.devices.push_back({"/dev/kvm", 'c', 10, 232, 0666, 107, 107});
    p.allow_rules.push_back({'c', 10, 232, "rwm"});
    return p;
}

}  // namespace

TEST_CASE("cgroup allow rules: present only when no later deny undoes them") {
    struct Case {
        const char* name;
        Json rules;
        std::size_t expected_count;  // rules after applying the kvm allow
    };
    const std::vector<Case> cases = {
        {"deny-all only", Json::parse(R"([{"allow": false, "access": "rwm"}])"), 2},
        {"exact allow after deny", Json::parse(R"([{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 232, "access": "rwm"}])"), 2},
        {"wildcard minor after deny", Json::parse(R"([{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "access": "rwm"}])"), 2},
        {"allow lacking m", Json::parse(R"([{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 232, "access": "rw"}])"), 3},
        {"allow then a later deny", Json::parse(R"([{"allow": true, "type": "c", "major": 10, "minor": 232, "access": "rwm"}, {"allow": false, "access": "rwm"}])"), 3},
        {"block rule does not cover a char device", Json::parse(R"([{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 10, "minor": 232, "access": "rwm"}])"), 3},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = base();
        config["linux"]["resources"]["devices"] = c.rules;
        oci::apply(config, kvm_patch());
        CHECK(config["linux"]["resources"]["devices"].size() == c.expected_count);
        Json again = config;
        oci::apply(again, kvm_patch());
        CHECK(again == config);
    }
}

TEST_CASE("an allow the same patch already added is not added twice") {
    Json config = base();
    config["linux"]["resources"]["devices"] = Json::parse(R"([{"allow": false, "access": "rwm"}])");
    oci::Patch p;
    p.allow_rules.push_back({'c', 10, 232, "rwm"});
    p.allow_rules.push_back({'c', 10, 232, "rw"});   // covered by the first
    p.allow_rules.push_back({'c', 10, 200, "rwm"});  // not covered
    oci::apply(config, p);
    CHECK(config["linux"]["resources"]["devices"] == Json::parse(R"([{"allow": false, "access": "rwm"},
        {"allow": true, "type": "c", "major": 10, "minor": 232, "access": "rwm"},
        {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"}])"));
}

TEST_CASE("a device already at the path with other numbers is replaced; the same one is kept") {
    Json config = base();
    config["linux"]["devices"] = Json::parse(R"([{"path": "/dev/kvm", "type": "c", "major": 1, "minor": 1}])");
    oci::apply(config, kvm_patch());
    CHECK(config["linux"]["devices"] == Json::parse(R"([{"path": "/dev/kvm", "type": "c", "major": 10, "minor": 232, "fileMode": 438, "uid": 107, "gid": 107}])"));
}

TEST_CASE("env: set replaces every earlier definition; rlimits only grow; hooks are added once") {
    Json config = base();
    config["process"]["env"] = Json::array({"A=1", "PCI_RESOURCE_X=old", "B=2", "PCI_RESOURCE_X=older"});
    config["process"]["rlimits"] = Json::parse(R"([{"type": "RLIMIT_MEMLOCK", "soft": 65536, "hard": 999999999999}])");
    oci::Patch p;
    p.env.push_back({"PCI_RESOURCE_X", "0000:3b:00.0"});
    p.rlimits.push_back({"RLIMIT_MEMLOCK", 5000000000, 5000000000});
    p.hooks.push_back({"poststop", "/usr/libexec/oci-kubevirt-hook", {"oci-kubevirt-hook", "release"}, 5});
    oci::apply(config, p);
    oci::apply(config, p);
    CHECK(config["process"]["env"] == Json::array({"A=1", "PCI_RESOURCE_X=0000:3b:00.0", "B=2"}));
    CHECK(config["process"]["rlimits"] == Json::parse(R"([{"type": "RLIMIT_MEMLOCK", "soft": 5000000000, "hard": 999999999999}])"));
    CHECK(config["hooks"]["poststop"] == Json::parse(R"([{"path": "/usr/libexec/oci-kubevirt-hook", "args": ["oci-kubevirt-hook", "release"], "timeout": 5}])"));
}

TEST_CASE("malformed parts of the config are errors with their JSON path") {
    struct Case {
        const char* name;
        const char* config;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"devices not an array", R"({"process": {}, "linux": {"devices": {}}})",
         "config.json:/linux/devices: expected an array, found object; the runtime config is malformed; check the hooks that ran before this one"},
        {"device entry not an object", R"({"process": {}, "linux": {"devices": [7]}})",
         "config.json:/linux/devices/0: expected an object, found number; the runtime config is malformed; check the hooks that ran before this one"},
        {"major not an integer", R"({"process": {}, "linux": {"devices": [{"path": "/dev/kvm", "type": "c", "major": "10"}]}})",
         "config.json:/linux/devices/0/major: expected an integer, found string; the runtime config is malformed; check the hooks that ran before this one"},
        {"rules not an array", R"({"process": {}, "linux": {"resources": {"devices": "all"}}})",
         "config.json:/linux/resources/devices: expected an array, found string; the runtime config is malformed; check the hooks that ran before this one"},
        // A rule after the last deny decides whether ours is needed: read whole, whatever its type.
        {"minor of a counted rule not an integer",
         R"({"process": {}, "linux": {"resources": {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 8, "minor": "*"}]}}})",
         "config.json:/linux/resources/devices/1/minor: expected an integer, found string; the runtime config is malformed; check the hooks that ran before this one"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = Json::parse(c.config);
        CHECK(error_of([&] { oci::apply(config, kvm_patch()); }) == c.expected);
    }
}

TEST_CASE("members of another type in entries are not matches: no internal error, the hook's entries added") {
    // nlohmann's value() throws type_error on these, which reached Podman's log only as "internal error".
    Json config = Json::parse(R"({"process": {"rlimits": [{"type": 7}]},
        "linux": {"devices": [{"path": ["/dev/kvm"], "type": "c", "major": 10, "minor": 232}],
                  "resources": {"devices": [{"allow": "yes", "access": "rwm"}, {"allow": true, "type": 1, "access": []}]},
                  "seccomp": {"defaultAction": 1, "syscalls": [{"names": ["userfaultfd"], "action": []}]}},
        "hooks": {"poststop": [{"path": 5}]}})");
    oci::Patch p = kvm_patch();
    p.rlimits.push_back({"RLIMIT_MEMLOCK", 1024, 1024});
    p.hooks.push_back({"poststop", "/usr/libexec/oci-kubevirt-hook", {"oci-kubevirt-hook"}, 5});
    oci::apply(config, p);
    CHECK(config["linux"]["devices"].size() == 2);
    CHECK(config["linux"]["devices"][1]["path"] == "/dev/kvm");
    CHECK(config["linux"]["resources"]["devices"].size() == 3);  // neither odd rule covers kvm
    CHECK(config["process"]["rlimits"].size() == 2);
    CHECK(config["hooks"]["poststop"].size() == 2);
    auto change = kvpod::hook::allow_syscall(config, "userfaultfd", {{"SCMP_ARCH_X86_64", 323}});
    CHECK(change.changed);
}

TEST_CASE("facts: annotations, env and the container id Podman encodes in its paths") {
    struct Case {
        const char* name;
        Json config;
        std::string id;
        std::string dir;
    };
    const std::string id(64, 'a');
    const std::string other(64, 'b');
    auto mount = [](const std::string& source) {
        return Json::array({{{"destination", "/run/.containerenv"}, {"source", source}}});
    };
    const std::string run_dir = "/run/containers/storage/overlay-containers/" + id + "/userdata";
    const std::vector<Case> cases = {
        {"cgroupfs leaf", {{"process", Json::object()}, {"linux", {{"cgroupsPath", "/libpod_parent/libpod-" + id}}}}, id, ""},
        {"systemd slice", {{"process", Json::object()}, {"linux", {{"cgroupsPath", "machine.slice:libpod:" + id}}}}, id, ""},
        {"containerenv mount", {{"process", Json::object()}, {"mounts", mount(run_dir + "/.containerenv")}}, id, run_dir},
        {"cgroup and mount agree",
         {{"process", Json::object()}, {"linux", {{"cgroupsPath", "/libpod_parent/libpod-" + id}}}, {"mounts", mount(run_dir + "/.containerenv")}},
         id, run_dir},
        {"mount of another container: no dir",
         {{"process", Json::object()}, {"linux", {{"cgroupsPath", "/libpod_parent/libpod-" + other}}}, {"mounts", mount(run_dir + "/.containerenv")}},
         other, ""},
        {"vfs driver", {{"process", Json::object()}, {"mounts", mount("/r/vfs-containers/" + id + "/userdata/.containerenv")}},
         id, "/r/vfs-containers/" + id + "/userdata"},
        {"not Podman's layout", {{"process", Json::object()}, {"mounts", mount("/tmp/" + id + "/userdata/.containerenv")}}, "", ""},
        {"relative source", {{"process", Json::object()}, {"mounts", mount("x-containers/" + id + "/userdata/.containerenv")}}, "", ""},
        {"no id anywhere", {{"process", Json::object()}, {"linux", {{"cgroupsPath", "/custom/thing"}}}}, "", ""},
        {"not hex", {{"process", Json::object()}, {"linux", {{"cgroupsPath", "/x/libpod-" + std::string(64, 'z')}}}}, "", ""},
        // Found by fuzzing (tests/fuzz/corpus/hook-input/regress-mount-destination-array.json): a mount
        // of another shape is passed over, not an internal error.
        {"mount fields of other types",
         {{"process", Json::object()},
          {"mounts", Json::array({{{"destination", Json::array()}, {"source", 1}},
                                  {{"destination", "/run/.containerenv"}, {"source", Json::object()}},
                                  {{"destination", "/run/.containerenv"}, {"source", run_dir + "/.containerenv"}}})}},
         id, run_dir},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto found = oci::read_facts(c.config);
        CHECK(found.container_id == c.id);
        CHECK(found.container_dir == c.dir);
    }
    auto facts = oci::read_facts(Json::parse(R"({"process": {"env": ["X=1", "Y=a=b", "X=2"]}, "annotations": {"k": "v"}})"));
    CHECK(oci::env_value(facts.env, "X") == "2");
    CHECK(oci::env_value(facts.env, "Y") == "a=b");
    CHECK_FALSE(oci::env_value(facts.env, "Z").has_value());
    CHECK(facts.annotations.at("k") == "v");
    CHECK(error_of([] { oci::read_facts(Json::parse(R"({"process": {}, "annotations": {"k": 1}})")); }) ==
          "config.json:/annotations/k: expected a string, found number; the runtime config is malformed; check the hooks that ran before this one");
}

TEST_CASE("facts: real Podman 4.3.1 configs name their container and its run directory") {
    // Each capture names its container in both linux.cgroupsPath and the
    // /run/.containerenv mount; tests/e2e/alloc-plumbing.sh checks the id
    // against runc's own state with a live container.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"podman-run-annotation", "99ad88a6a01a776645bce58844acc577e52a7cb9db9ce9a329660504f4f2d1fc"},
        {"kube-play-compute-container", "03b0516607eb20fdb3ffc0037e371d3d87980f10dea26e99c02dc386f071f0d7"},
    };
    for (const auto& [name, id] : cases) {
        CAPTURE(name);
        auto found = oci::read_facts(Json::parse(kvpod::testing::data_file("data/podman-configs/" + name + ".json")));
        CHECK(found.container_id == id);
        CHECK(found.container_dir == "/run/containers/storage/overlay-containers/" + id + "/userdata");
    }
}
