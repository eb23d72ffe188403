// SPDX-License-Identifier: Apache-2.0
// The hook's fast path (json_skim + PartialConfig) against the whole-document
// path it shortcuts: same meaning for every config it accepts, and a refusal
// for every text the slow path could read differently.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/json_skim.hpp"
#include "fastpath_support.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;
using kvpod::json_skim::Field;
using kvpod::testing::data_file;
namespace oci = kvpod::oci;
namespace testing = kvpod::testing;

namespace {

std::vector<std::pair<std::string, Json>> captured_configs() {
    std::vector<std::pair<std::string, Json>> out;
    for (const char* name : {"kube-play-compute-container", "kube-play-init-container", "kube-play-sidecar-container",
                             "podman-run-annotation"})
        out.emplace_back(name, Json::parse(data_file(std::string("data/podman-configs/") + name + ".json")));
    out.emplace_back("hook golden", Json::parse(data_file("golden/hook/kube-play-compute-container.json")));
    return out;
}

/// Checks one text both ways; the fast path must accept it. A compact
/// sorted dump must even come out byte for byte as the slow path's output.
void check_same(const std::string& text, const oci::Patch& patch = testing::full_patch()) {
    auto slow = testing::slow_path(text, patch);
    auto fast = testing::fast_path(text, patch);
    REQUIRE(fast.has_value());
    CHECK(fast->error == slow.error);
    CHECK(testing::same_meaning(*fast, slow));
    if (text == Json::parse(text).dump()) CHECK(fast->output == slow.output);
    if (!fast->error.empty()) return;
    // Idempotence: the output fed back changes nothing, byte for byte.
    auto again = testing::fast_path(fast->output, patch);
    REQUIRE(again.has_value());
    CHECK(again->output == fast->output);
}

}  // namespace

TEST_CASE("fast path: captured configs, compact and indented, mean the same as the slow path") {
    for (const auto& [name, config] : captured_configs()) {
        CAPTURE(name);
        check_same(config.dump());
        check_same(config.dump(2));
        check_same(config.dump(), oci::Patch{});
    }
}

TEST_CASE("fast path: variations of the compute container's config") {
    using Edit = std::function<void(Json&)>;
    struct Case {
        std::string name;
        Edit edit;
    };
    const std::vector<Case> cases = {
        {"as captured", [](Json&) {}},
        {"no linux.devices", [](Json& c) { c["linux"].erase("devices"); }},
        {"empty linux.devices", [](Json& c) { c["linux"]["devices"] = Json::array(); }},
        {"no linux.resources", [](Json& c) { c["linux"].erase("resources"); }},
        {"empty linux.resources", [](Json& c) { c["linux"]["resources"] = Json::object(); }},
        {"empty linux", [](Json& c) { c["linux"] = Json::object(); }},
        {"no linux", [](Json& c) { c.erase("linux"); }},
        {"empty process", [](Json& c) { c["process"] = Json::object(); }},
        {"null env", [](Json& c) { c["process"]["env"] = nullptr; }},
        {"empty env", [](Json& c) { c["process"]["env"] = Json::array(); }},
        {"env not an array", [](Json& c) { c["process"]["env"] = Json::object(); }},
        // process.env strings are taken as they stand unless they hold an escape.
        {"env with escapes and non-strings",
         [](Json& c) {
             auto& env = c["process"]["env"];
             env.insert(env.begin(), "QUOTED=\"a\\b\"\t/");
             env.push_back(1);
             env.push_back(nullptr);
             env.push_back("");
             env.push_back("LAST=\x01");  // written as \u0001
         }},
        {"env already has the variable twice",
         [](Json& c) { c["process"]["env"].push_back("KVPOD_TEST=0"), c["process"]["env"].push_back("KVPOD_TEST=2"); }},
        {"rlimits present", [](Json& c) { c["process"]["rlimits"] = Json::parse(R"([{"type":"RLIMIT_MEMLOCK","soft":1,"hard":2},{"type":"RLIMIT_NOFILE","soft":1024,"hard":1024}])"); }},
        {"hooks present", [](Json& c) { c["hooks"] = Json::parse(R"({"poststop":[{"path":"/x"}],"prestart":[]})"); }},
        {"no seccomp", [](Json& c) { c["linux"].erase("seccomp"); }},
        {"seccomp default ALLOW", [](Json& c) { c["linux"]["seccomp"] = Json::parse(R"({"defaultAction":"SCMP_ACT_ALLOW"})"); }},
        {"seccomp without syscalls", [](Json& c) { c["linux"]["seccomp"].erase("syscalls"); }},
        {"userfaultfd alone in a deny rule (the rule goes)",
         [](Json& c) { c["linux"]["seccomp"]["syscalls"].insert(c["linux"]["seccomp"]["syscalls"].begin() + 1, Json::parse(R"({"names":["userfaultfd"],"action":"SCMP_ACT_ERRNO"})")); }},
        {"userfaultfd among others in deny rules, first and last",
         [](Json& c) {
             auto& rules = c["linux"]["seccomp"]["syscalls"];
             rules.insert(rules.begin(), Json::parse(R"({"names":["bpf","userfaultfd"],"action":"SCMP_ACT_ERRNO"})"));
             rules.push_back(Json::parse(R"({"names":["userfaultfd"],"action":"SCMP_ACT_KILL"})"));
         }},
        {"userfaultfd already allowed", [](Json& c) { c["linux"]["seccomp"]["syscalls"].push_back(Json::parse(R"({"names":["userfaultfd"],"action":"SCMP_ACT_ALLOW"})")); }},
        {"userfaultfd denied with arguments", [](Json& c) { c["linux"]["seccomp"]["syscalls"].push_back(Json::parse(R"({"names":["userfaultfd"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"op":"SCMP_CMP_EQ","value":1}]})")); }},
        {"userfaultfd spelled with an escape", [](Json& c) { c["linux"]["seccomp"]["syscalls"].push_back(Json::parse(R"({"names":["userfaultf\u0064"],"action":"SCMP_ACT_ERRNO"})")); }},
        {"only the rule that denies userfaultfd", [](Json& c) { c["linux"]["seccomp"]["syscalls"] = Json::parse(R"([{"names":["userfaultfd"],"action":"SCMP_ACT_ERRNO"}])"); }},
        {"empty syscalls", [](Json& c) { c["linux"]["seccomp"]["syscalls"] = Json::array(); }},
        {"syscalls not an array", [](Json& c) { c["linux"]["seccomp"]["syscalls"] = Json::object(); }},
        {"non-object rules", [](Json& c) { c["linux"]["seccomp"]["syscalls"] = Json::parse(R"([1,"userfaultfd",null,{"names":"userfaultfd"}])"); }},
        {"ALLOW default with a rule denying userfaultfd",
         [](Json& c) { c["linux"]["seccomp"] = Json::parse(R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO"},{"names":["userfaultfd"],"action":"SCMP_ACT_ERRNO"}]})"); }},
        {"only process", [](Json& c) { c = Json{{"process", c["process"]}}; }},
        {"escapes and floats elsewhere", [](Json& c) { c["x"] = Json::parse(R"({"s":"a\"\\\/\b\f\n\r\t\u003c","f":-0.5,"n":[null,true,false,0]})"); }},
    };
    const Json base = captured_configs().front().second;
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = base;
        c.edit(config);
        check_same(config.dump());
        check_same(config.dump(1, '\t'));
    }
}

TEST_CASE("fast path: only the mount naming /run/.containerenv is read, and the facts are the slow path's") {
    using Edit = std::function<void(Json&)>;
    struct Case {
        std::string name;
        Edit edit;
        bool has_dir;  // whether the container's run directory is found
    };
    auto containerenv = [](const Json& c) {
        for (const auto& m : c["mounts"])
            if (m.value("destination", "") == "/run/.containerenv") return m;
        return Json();
    };
    const std::vector<Case> cases = {
        {"as captured", [](Json&) {}, true},
        {"the mount first", [&](Json& c) { auto m = containerenv(c); c["mounts"].insert(c["mounts"].begin(), m); }, true},
        {"the mount last and only", [&](Json& c) { c["mounts"] = Json::array({containerenv(c)}); }, true},
        {"no such mount",
         [](Json& c) {
             Json kept = Json::array();
             for (const auto& m : c["mounts"])
                 if (m.value("destination", "") != "/run/.containerenv") kept.push_back(m);
             c["mounts"] = kept;
         },
         false},
        {"the path only as another mount's source",
         [&](Json& c) { c["mounts"] = Json::array({Json{{"destination", "/x"}, {"source", "/run/.containerenv"}}, containerenv(c)}); }, true},
        {"mounts not an array", [](Json& c) { c["mounts"] = Json::object(); }, false},
        {"non-object mounts", [&](Json& c) { c["mounts"] = Json::array({1, "/run/.containerenv", nullptr, containerenv(c)}); }, true},
        {"no mounts", [](Json& c) { c.erase("mounts"); }, false},
    };
    const Json base = captured_configs().front().second;
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = base;
        c.edit(config);
        config["linux"].erase("cgroupsPath");  // the mounts alone name the container
        for (const std::string& text : {config.dump(), config.dump(2)}) {
            check_same(text);
            auto slow_facts = oci::read_facts(Json::parse(text));
            auto partial = oci::PartialConfig::read(text, {});
            REQUIRE(partial.has_value());
            REQUIRE(partial->load_mounts());
            auto fast_facts = oci::read_facts(partial->json());
            CHECK(fast_facts.container_id == slow_facts.container_id);
            CHECK(fast_facts.container_dir == slow_facts.container_dir);
            CHECK(fast_facts.container_dir.empty() == !c.has_dir);
        }
    }
    // An escape could spell the path: such a mount is read too.
    Json config = base;
    config["linux"].erase("cgroupsPath");
    std::string text = config.dump();
    auto at = text.find("\"/run/.containerenv\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 20, "\"\\/run\\/.containerenv\"");
    REQUIRE(Json::parse(text) == config);
    auto partial = oci::PartialConfig::read(text, {});
    REQUIRE(partial.has_value());
    REQUIRE(partial->load_mounts());
    CHECK(oci::read_facts(partial->json()).container_dir == oci::read_facts(config).container_dir);
    CHECK_FALSE(oci::read_facts(config).container_dir.empty());
}

TEST_CASE("fast path: a change to the mounts, of which it holds only some, is not written back") {
    std::string text = captured_configs().front().second.dump();
    auto partial = oci::PartialConfig::read(text, {});
    REQUIRE(partial.has_value());
    REQUIRE(partial->load_mounts());
    REQUIRE(partial->load_for_patch({"userfaultfd"}));
    partial->json()["mounts"].push_back(Json{{"destination", "/new"}});
    CHECK_FALSE(partial->write_back().has_value());  // the caller then patches the whole config
}

TEST_CASE("fast path: wrong types give the slow path's exact error") {
    const std::vector<std::string> texts = {
        R"({"process":{"env":[1]}})",
        R"({"process":{"env":{}}})",
        R"({"process":{},"annotations":[]})",
        R"({"process":{"rlimits":[1]}})",
        R"({"process":{},"linux":{"devices":[2]}})",
        R"({"process":{},"linux":{"resources":{"devices":{}}}})",
        R"({"process":{},"hooks":[]})",
        R"({"annotations":{}})",
    };
    for (const auto& text : texts) {
        CAPTURE(text);
        auto fast = testing::fast_path(text, testing::full_patch());
        REQUIRE(fast.has_value());
        CHECK(!fast->error.empty());
        CHECK(fast->error == testing::slow_path(text, testing::full_patch()).error);
    }
}

TEST_CASE("skim: refuses what the slow path might read differently, and the slow path says why") {
    struct Case {
        std::string name;
        std::string text;
        std::string slow_error;  // empty: not asserted (the slow path may accept it)
    };
    kvpod::document::Limits limits;
    std::string deep_nesting_error = "config.json:";
    for (int i = 0; i < 64; ++i) deep_nesting_error += "/0";
    deep_nesting_error += ": nesting deeper than 64 levels";
    const std::vector<Case> cases = {
        {"duplicate key nested deep", R"({"process":{},"x":{"a":[{"b":{"k":1,"j":2,"k":3}}]}})",
         "config.json:/x/a/0/b/k: duplicate key 'k'"},
        {"duplicate top-level key", R"({"process":{},"process":{}})", "config.json:/process: duplicate key 'process'"},
        {"invalid escape", R"({"a":"\q"})",
         "config.json:1:8: invalid JSON: syntax error while parsing value - invalid string: forbidden character after backslash"},
        {"escape in a key", R"({"\u0061":1,"a":2})", "config.json:/a: duplicate key 'a'"},
        {"non-ASCII", "{\"a\":\"\xc3\xa9\"}", ""},
        {"NUL escape", R"({"a":"\u0000"})", "config.json:/a: NUL byte in a string"},
        {"lone surrogate", R"({"a":"\ud800"})", ""},
        {"raw control character", "{\"a\":\"\t\"}", ""},
        {"exponent", R"({"a":1e400})", "config.json:1:10: invalid JSON: number overflow parsing '1e400'"},
        {"deep nesting", std::string(100000, '['), deep_nesting_error},
        {"trailing garbage", R"({"process":{}} x)",
         "config.json:1:16: invalid JSON: syntax error while parsing value - invalid literal; expected end of input"},
        {"truncated", R"({"process":{"env":["A)",
         "config.json:1:22: invalid JSON: syntax error while parsing value - invalid string: missing closing quote"},
        {"empty", "", ""},
        {"root not an object", "[]", ""},
        {"process not an object", R"({"process":[]})", ""},
        {"linux null", R"({"process":{},"linux":null})", ""},
        {"linux.resources a string", R"({"process":{},"linux":{"resources":"x"}})", ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK_FALSE(kvpod::json_skim::skim(c.text, limits).has_value());
        auto slow = testing::error_of([&] { kvpod::document::parse_json(c.text, "config.json", limits); });
        if (!c.slow_error.empty()) CHECK(slow == c.slow_error);
    }
}

TEST_CASE("skim: the limits match parse_json's at their edges") {
    struct Case {
        std::string name;
        std::string text;
        kvpod::document::Limits limits;
    };
    const std::vector<Case> cases = {
        {"depth 3 at a limit of 3", R"({"a":{"b":[]}})", {1024, 3, 100, true}},
        {"depth 4 at a limit of 3", R"({"a":{"b":[[]]}})", {1024, 3, 100, true}},
        {"4 values at a limit of 4", R"({"a":[1,"x"],"b":{}})", {1024, 8, 5, true}},
        {"5 values at a limit of 4", R"({"a":[1,"x"],"b":{}})", {1024, 8, 4, true}},
        {"20 bytes at a limit of 20", R"({"abcdefghijklmnop":1})", {20, 8, 100, true}},
        {"21 bytes at a limit of 20", R"({"abcdefghijklmnopq":1})", {20, 8, 100, true}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        bool slow_ok = testing::error_of([&] { kvpod::document::parse_json(c.text, "x", c.limits); }) == "<no error>";
        CHECK(kvpod::json_skim::skim(c.text, c.limits).has_value() == slow_ok);
    }
}

TEST_CASE("skim: records where each member's value lies") {
    std::string text = R"( {"x":{"process":1}, "process" : {"env":["A=1"] ,"rlimits":[]},)"
                       R"("linux":{"resources":{},"seccomp":{"a":[1,{}]}},"mounts":[{"k":"v"}]} )";
    auto skim = kvpod::json_skim::skim(text, {});
    REQUIRE(skim.has_value());
    auto at = [&](Field f) { return text.substr((*skim)[f].begin, (*skim)[f].end - (*skim)[f].begin); };
    CHECK(at(Field::ProcessEnv) == R"(["A=1"])");
    CHECK(at(Field::ProcessRlimits) == "[]");
    CHECK(at(Field::LinuxResources) == "{}");
    CHECK(at(Field::LinuxSeccomp) == R"({"a":[1,{}]})");
    CHECK(at(Field::Mounts) == R"([{"k":"v"}])");
    CHECK_FALSE((*skim)[Field::Annotations].present);
    CHECK_FALSE((*skim)[Field::LinuxResources].has_members);
    CHECK((*skim)[Field::Linux].has_members);
    CHECK(text.substr((*skim)[Field::Process].after_brace, 6) == R"("env":)");
}
