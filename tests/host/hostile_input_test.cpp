// SPDX-License-Identifier: Apache-2.0
// Hostile input for the hook: what whoever writes the pod controls
// (annotations, env, the spec) and what a broken runtime could hand over.
// Each case has its exact error text; the suite runs under ASan and UBSan in
// CI, so a crash, an overflow or a leak fails it too.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/hook/hook_config.hpp"
#include "fake_root.hpp"
#include "hook/precreate.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;
using kvpod::testing::error_of;
using kvpod::testing::nested;
using kvpod::testing::zeros;
using kvpod::testing::FakeRoot;

namespace {

std::string vmi_json(const std::string& name = "x") {
    return R"({"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":")" + name +
           R"("},"spec":{"domain":{"devices":{}}}})";
}

/// A minimal podman-run config carrying our annotation and a STANDALONE_VMI env.
Json config_with(const std::string& annotation, const std::optional<std::string>& vmi_env) {
    Json config = {{"ociVersion", "1.0.2-dev"},
                   {"process", {{"args", {"/bin/sh"}}, {"cwd", "/"}, {"env", {"PATH=/usr/bin"}}}},
                   {"root", {{"path", "/tmp/rootfs"}}},
                   {"annotations", {{"kubevirt-vm-to-pod/vm", annotation}}},
                   {"linux", {{"resources", {{"devices", Json::array({{{"allow", false}, {"access", "rwm"}}})}}}}}};
    if (vmi_env) config["process"]["env"].push_back("STANDALONE_VMI=" + *vmi_env);
    return config;
}

struct Case {
    const char* name;
    std::string input;  ///< the whole runtime config text
    std::string expected;
};

// 31 cases (the converter's table, tests/vm2pod/hostile_input_test.cpp, holds
// 35: 66 hostile inputs in all); the test below keeps this count honest.
std::vector<Case> hostile_cases() {
    const std::string spec_ctx = "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI";
    const std::string config_ctx = "reading the runtime config from stdin: config.json";
    auto env = [](const std::string& v) { return config_with("x", v).dump(); };
    auto annotation = [](const std::string& v) { return config_with(v, std::nullopt).dump(); };
    std::string deep_config = R"({"process": {}, "annotations": )" + nested('[', ']', 100000) + "}";
    std::string yaml_block_deep;
    for (int i = 0; i < 100; ++i) yaml_block_deep += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
    std::string laughs = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
    for (char c = 'b'; c <= 'i'; ++c)
        laughs += std::string(1, c) + ": &" + c + " [*" + static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + ",*" +
                  static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + ",*" +
                  static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + ",*" +
                  static_cast<char>(c - 1) + ",*" + static_cast<char>(c - 1) + "]\n";
    Json dup = config_with("x", vmi_json());
    std::string dup_text = dup.dump();
    dup_text.insert(1, R"("process": {}, )");
    std::string bad_utf8 = config_with("x", vmi_json()).dump();
    bad_utf8.replace(bad_utf8.find("/bin/sh"), 7, "/bin/\xc3\x28h");
    Json not_string_env = config_with("x", vmi_json());
    not_string_env["process"]["env"].push_back(Json{{"k", "v"}});
    Json null_process = config_with("x", vmi_json());
    null_process["process"] = nullptr;
    Json number_annotation = config_with("x", vmi_json());
    number_annotation["annotations"]["kubevirt-vm-to-pod/vm"] = 7;
    Json huge_major = config_with("x", vmi_json());
    huge_major["linux"]["devices"] = Json::array({{{"path", "/dev/kvm"}, {"type", "c"}, {"major", 1e30}, {"minor", 1}}});

    return {
        {"config nested 100000 levels", deep_config,
         // the root object and 63 arrays fill the 64 levels; the 64th array is refused
         config_ctx + ":/annotations" + zeros(63) + ": nesting deeper than 64 levels"},
        {"spec JSON nested 100000 levels", env(R"({"spec": )" + nested('[', ']', 100000) + "}"),
         spec_ctx + ":/spec" + zeros(63) + ": nesting deeper than 64 levels"},
        // "spec: " takes 6 columns; the 64th '[' (column 7 + 63) is one level too many
        {"spec YAML flow nested 100000 levels", env("spec: " + nested('[', ']', 100000)), spec_ctx + ":1:70: nesting deeper than 64 levels"},
        // line N opens the mapping of depth N at column 2(N-1)+1
        {"spec YAML block nested 100 levels", env(yaml_block_deep), spec_ctx + ":65:129: nesting deeper than 64 levels"},
        {"spec over the size limit", env(std::string(1024 * 1024 + 1, ' ')),
         spec_ctx + ": input is 1048577 bytes, more than the limit of 1048576; shorten it or raise the limit in the hook's configuration"},
        {"annotation spec over the size limit", annotation("#" + std::string(1024 * 1024, 'a')),
         "reading annotation kubevirt-vm-to-pod/vm: annotation kubevirt-vm-to-pod/vm: input is 1048577 bytes, more than the limit of 1048576; shorten it or raise the limit in the hook's configuration"},
        {"duplicate key in the config", dup_text, config_ctx + ":/process: duplicate key 'process'"},
        {"duplicate key in the YAML spec", env("kind: VirtualMachineInstance\nkind: Pod\n"), spec_ctx + ":2:1: duplicate key 'kind'"},
        {"duplicate key in the JSON spec", env(R"({"kind": "VirtualMachineInstance", "kind": "Pod"})"), spec_ctx + ":/kind: duplicate key 'kind'"},
        {"invalid UTF-8 in the config", bad_utf8, config_ctx + ":1:164: invalid JSON: syntax error while parsing value - invalid string: ill-formed UTF-8 byte"},
        {"escaped NUL in the JSON spec", env(R"({"apiVersion": "kubevirt.io/v1\u0000x"})"), spec_ctx + ":/apiVersion: NUL byte in a string"},
        {"raw NUL in the YAML spec", env(std::string("kind: Virtual\0Machine\n", 22)), spec_ctx + ":1:14: NUL byte in YAML text"},
        {"huge float in the spec", env(R"({"spec": {"x": 1e999}})"), spec_ctx + ":1:20: invalid JSON: number overflow parsing '1e999'"},
        {"huge integer in the YAML spec", env("memory: 999999999999999999999999999\n"), spec_ctx + ":1:9: integer '999999999999999999999999999' is out of range"},
        {"billion laughs", env(laughs), spec_ctx + ":6:8: aliases expand to more than 200000 values"},
        {"alias to itself", env("a: &a [*a]\n"), spec_ctx + ":1:8: alias to an unknown anchor"},
        {"unsupported YAML tag", env("kind: !!binary aGVsbG8=\n"), spec_ctx + ":1:7: value 'aGVsbG8=' does not fit its tag 'tag:yaml.org,2002:binary'"},
        {"spec of another API group", env(R"({"apiVersion": "evil.io/v1", "kind": "VirtualMachineInstance", "metadata": {"name": "x"}, "spec": {}})"),
         spec_ctx + ": document is evil.io/v1 VirtualMachineInstance, not a kubevirt.io VirtualMachine or VirtualMachineInstance; give a KubeVirt VM or VMI as YAML or JSON"},
        {"spec name not a string", env(R"({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance", "metadata": {"name": ["x"]}, "spec": {}})"),
         spec_ctx + ":/metadata/name: not a string"},
        {"spec is empty", env(""),
         spec_ctx + ": not a VirtualMachine or VirtualMachineInstance document (found null); give a KubeVirt VM or VMI as YAML or JSON"},
        {"spec is a list", env("[1, 2]"),
         spec_ctx + ": not a VirtualMachine or VirtualMachineInstance document (found array); give a KubeVirt VM or VMI as YAML or JSON"},
        {"spec is a bare string", env("hello"),
         spec_ctx + ": not a VirtualMachine or VirtualMachineInstance document (found string); give a KubeVirt VM or VMI as YAML or JSON"},
        {"spec is two documents", env(vmi_json() + "\n---\n" + vmi_json()),
         spec_ctx + ":2:2: invalid JSON: syntax error while parsing value - invalid number; expected digit after '-'; expected end of input"},
        {"spec metadata is a string", env(R"({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": "x", "spec": {}})"),
         spec_ctx + ":/metadata: not an object; a KubeVirt VM needs spec.template.spec, a VMI needs spec"},
        {"process is null", null_process.dump(), "config.json:/process: no process in the runtime config; only containers that run a process can host a VM"},
        {"env entry is an object", not_string_env.dump(),
         "config.json:/process/env/2: expected a string, found object; the runtime config is malformed; check the hooks that ran before this one"},
        {"annotation value is a number", number_annotation.dump(),
         "config.json:/annotations/kubevirt-vm-to-pod/vm: expected a string, found number; the runtime config is malformed; check the hooks that ran before this one"},
        {"existing device with a float major", huge_major.dump(),
         "config.json:/linux/devices/0/major: expected an integer, found number; the runtime config is malformed; check the hooks that ran before this one"},
        {"config is a string", "\"hello\"", "config.json:/: expected an object, found string; the runtime config is malformed; check the hooks that ran before this one"},
        {"config is empty", "", config_ctx + ":1:1: invalid JSON: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"},
        {"config has trailing garbage", config_with("x", vmi_json()).dump() + "}",
         config_ctx + ":1:" + std::to_string(config_with("x", vmi_json()).dump().size() + 1) +
             ": invalid JSON: syntax error while parsing value - unexpected '}'; expected end of input"},
    };
}

}  // namespace

TEST_CASE("hostile input to the hook: refused with one exact line, nothing written") {
    FakeRoot root;
    if (FakeRoot::can_mknod()) root.node("/dev/kvm", 'c', 10, 232).node("/dev/net/tun", 'c', 10, 200);
    kvpod::hook::RunOptions options;
    options.host_root = root.path();
    auto cases = hostile_cases();
    CHECK(cases.size() == 31);
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string output = "<untouched>";
        auto message = error_of([&] { output = kvpod::hook::run_precreate(c.input, options, kvpod::hook::HookConfig{}); });
        CHECK(message == c.expected);
        CHECK(output == "<untouched>");
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("the container's LD_PRELOAD, PATH and working directory mean nothing to the hook") {
    if (!FakeRoot::can_mknod()) return;
    FakeRoot root;
    root.node("/dev/kvm", 'c', 10, 232).node("/dev/net/tun", 'c', 10, 200).node("/dev/vhost-net", 'c', 10, 238);
    kvpod::hook::RunOptions options;
    options.host_root = root.path();
    Json plain = config_with("x", vmi_json());
    Json tricked = plain;
    tricked["process"]["env"] = Json::array({"LD_PRELOAD=/tmp/evil.so", "PATH=/tmp/evil", "LD_LIBRARY_PATH=/tmp/evil",
                                             "STANDALONE_VMI=" + vmi_json()});
    tricked["process"]["cwd"] = "/tmp/evil";
    auto out_plain = Json::parse(kvpod::hook::run_precreate(plain.dump(), options, {}));
    auto out_tricked = Json::parse(kvpod::hook::run_precreate(tricked.dump(), options, {}));
    // Same devices, rules and limits; the container's own fields pass through untouched.
    CHECK(out_plain["linux"] == out_tricked["linux"]);
    CHECK(out_tricked["process"]["env"] == tricked["process"]["env"]);
    CHECK(out_tricked["process"]["cwd"] == "/tmp/evil");
}
