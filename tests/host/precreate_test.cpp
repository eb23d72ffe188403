// SPDX-License-Identifier: Apache-2.0
// The precreate stage end to end in-process: real Podman 4.3.1 configs in,
// fake host roots with real device nodes, whole configs out.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"
#include "fake_root.hpp"
#include "golden.hpp"
#include "hook/precreate.hpp"
#include "schema_validator.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;
using kvpod::hook::HookConfig;
using kvpod::hook::RunOptions;
using kvpod::testing::data_file;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

namespace {

/// A captured Podman config with the capture's annotation key renamed to ours.
Json podman_config(const std::string& name) {
    Json config = Json::parse(data_file("data/podman-configs/" + name + ".json"));
    auto& annotations = config["annotations"];
    annotations["kubevirt-vm-to-pod/vm"] = annotations["io.kubevirt.vm"];
    annotations.erase("io.kubevirt.vm");
    return config;
}

Json without_vm_annotation(Json config) {
    config["annotations"].erase("kubevirt-vm-to-pod/vm");
    return config;
}

Json vmi(const Json& devices = Json::object(), const Json& status = nullptr) {
    Json doc = {{"apiVersion", "kubevirt.io/v1"},
                {"kind", "VirtualMachineInstance"},
                {"metadata", {{"name", "x"}, {"namespace", "default"}}},
                {"spec", {{"domain", {{"devices", devices}}}}}};
    if (!status.is_null()) doc["status"] = status;
    return doc;
}

/// Replaces (or adds) STANDALONE_VMI in the config's env.
Json with_vmi_env(Json config, const std::string& value) {
    Json env = Json::array();
    for (const auto& e : config["process"]["env"])
        if (e.get<std::string>().rfind("STANDALONE_VMI=", 0) != 0) env.push_back(e);
    env.push_back("STANDALONE_VMI=" + value);
    config["process"]["env"] = env;
    return config;
}

struct Host {
    FakeRoot root;
    Host& standard() {
        root.node("/dev/kvm", 'c', 10, 232, 0666).node("/dev/net/tun", 'c', 10, 200, 0666).node("/dev/vhost-net", 'c', 10, 238, 0600);
        return *this;
    }
};

std::string run(const Json& config, const std::string& root, const HookConfig& hook_config = {}) {
    RunOptions options;
    options.host_root = root;
    return kvpod::hook::run_precreate(config.dump(), options, hook_config);
}

Json devices_of(const std::string& output) { return Json::parse(output)["linux"].value("devices", Json::array()); }

Json allow_rules_of(const std::string& output) {
    Json rules = Json::array();
    const Json config = Json::parse(output);
    for (const auto& r : config["linux"]["resources"]["devices"])
        if (r.value("allow", false)) rules.push_back(r);
    return rules;
}

Json node(const char* path, int major, int minor, int mode, int owner = 107) {
    return {{"path", path}, {"type", "c"}, {"major", major}, {"minor", minor}, {"fileMode", mode}, {"uid", owner}, {"gid", owner}};
}

Json allow(int major, int minor) { return {{"allow", true}, {"type", "c"}, {"major", major}, {"minor", minor}, {"access", "rwm"}}; }

const kvpod::testing::SchemaValidator& oci_schema() {
    static kvpod::testing::SchemaValidator validator(kvpod::testing::data_dir() + "/data/runtime-spec-schema",
                                                     "config-schema.json");
    return validator;
}

}  // namespace

TEST_CASE("Podman's own configs: devices for the compute container only, the rest unchanged byte for byte") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    Host host;
    host.standard();
    struct Case {
        const char* name;
        Json input;
        bool acts;
    };
    const std::vector<Case> cases = {
        {"kube play compute container", with_vmi_env(podman_config("kube-play-compute-container"), vmi().dump()), true},
        {"kube play init container", podman_config("kube-play-init-container"), false},
        {"kube play sidecar", podman_config("kube-play-sidecar-container"), false},
        {"podman run with the VMI in env", with_vmi_env(podman_config("podman-run-annotation"), vmi().dump()), true},
        {"podman run without our annotation", without_vm_annotation(podman_config("podman-run-annotation")), false},
        {"kube play compute without our annotation",
         without_vm_annotation(with_vmi_env(podman_config("kube-play-compute-container"), vmi().dump())), false},
    };
    const Json expected_devices = Json::array({node("/dev/kvm", 10, 232, 0666), node("/dev/net/tun", 10, 200, 0666),
                                               node("/dev/vhost-net", 10, 238, 0600)});
    const Json expected_rules = Json::array({allow(10, 232), allow(10, 200), allow(10, 238)});
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string input = c.input.dump();
        std::string output = run(c.input, host.root.path());
        if (!c.acts) {
            CHECK(output == input);
            continue;
        }
        CHECK(devices_of(output) == expected_devices);
        CHECK(allow_rules_of(output) == expected_rules);
        // The deny-all rule Podman wrote stays first, so only our nodes are opened up.
        CHECK(Json::parse(output)["linux"]["resources"]["devices"][0] == Json{{"allow", false}, {"access", "rwm"}});
        CHECK(kvpod::text::join(oci_schema().errors(Json::parse(output)), "\n") == "");
        // Podman runs the hook at every start: on its own output it changes nothing.
        CHECK(run(Json::parse(output), host.root.path()) == output);
        // KubeVirt's launcher profile: userfaultfd leaves the EPERM block for an allow rule.
        const Json out = Json::parse(output);
        const Json& in_rules = c.input["linux"]["seccomp"]["syscalls"];
        const Json& out_rules = out["linux"]["seccomp"]["syscalls"];
        REQUIRE(out_rules.size() == in_rules.size() + 1);
        CHECK(out_rules.back() == Json{{"names", {"userfaultfd"}}, {"action", "SCMP_ACT_ALLOW"}});
        Json eperm_names = in_rules[0]["names"];
        eperm_names.erase(std::find(eperm_names.begin(), eperm_names.end(), "userfaultfd"));
        CHECK(out_rules[0]["names"] == eperm_names);
        // Everything else is kept.
        Json stripped = out;
        stripped["linux"].erase("devices");
        stripped["linux"]["resources"]["devices"] = c.input["linux"]["resources"]["devices"];
        stripped["linux"]["seccomp"] = c.input["linux"]["seccomp"];
        CHECK(stripped == c.input);
    }
}

TEST_CASE("the whole compute-container config after the hook (golden)") {
    if (!FakeRoot::can_mknod()) return;
    Host host;
    host.standard();
    auto output = run(with_vmi_env(podman_config("kube-play-compute-container"), vmi().dump()), host.root.path());
    CHECK(output == kvpod::testing::golden("hook/kube-play-compute-container.json", output));
}

TEST_CASE("the VM spec decides which devices: KubeVirt's rules for tun and vhost-net") {
    if (!FakeRoot::can_mknod()) return;
    Host host;
    host.standard();
    struct Case {
        const char* name;
        Json devices;
        Json status;
        std::vector<std::string> paths;
        int owner;
    };
    const std::vector<Case> cases = {
        {"default pod interface", Json::object(), nullptr, {"/dev/kvm", "/dev/net/tun", "/dev/vhost-net"}, 107},
        {"no pod interface at all", {{"autoattachPodInterface", false}}, nullptr, {"/dev/kvm"}, 107},
        {"an e1000 interface needs tun but not vhost-net",
         {{"interfaces", Json::array({{{"name", "default"}, {"model", "e1000"}, {"masquerade", Json::object()}}})}},
         nullptr, {"/dev/kvm", "/dev/net/tun"}, 107},
        {"a virtio interface", {{"interfaces", Json::array({{{"name", "default"}, {"model", "virtio"}, {"passtBinding", Json::object()}}})}},
         nullptr, {"/dev/kvm", "/dev/net/tun", "/dev/vhost-net"}, 107},
        {"a root VMI owns its nodes as root", Json::object(), Json{{"runtimeUser", 0}},
         {"/dev/kvm", "/dev/net/tun", "/dev/vhost-net"}, 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto output = run(with_vmi_env(podman_config("kube-play-compute-container"), vmi(c.devices, c.status).dump()),
                          host.root.path());
        std::vector<std::string> paths;
        for (const auto& d : devices_of(output)) {
            paths.push_back(d["path"]);
            CHECK(d["uid"] == c.owner);
            CHECK(d["gid"] == c.owner);
        }
        CHECK(paths == c.paths);
    }
}

TEST_CASE("host faults: missing nodes, unusual numbers, things that are not device nodes") {
    if (!FakeRoot::can_mknod()) return;
    const Json input = with_vmi_env(podman_config("kube-play-compute-container"), vmi().dump());

    SUBCASE("kvm missing: the start is refused with the device and the fix") {
        Host host;
        host.root.node("/dev/net/tun", 'c', 10, 200).node("/dev/vhost-net", 'c', 10, 238);
        CHECK(error_of([&] { run(input, host.root.path()); }) ==
              "refusing to start VM 'x': /dev/kvm: the host has no /dev/kvm, which the VM needs for hardware "
              "acceleration (devices.kubevirt.io/kvm); load the KVM module (modprobe kvm_intel or kvm_amd) with "
              "virtualization enabled in the firmware, check that /dev/kvm is a character device, or set "
              "allowEmulation: true in the hook's configuration to run the VM with software emulation");
    }
    SUBCASE("kvm missing but emulation allowed: tun only, vhost-net is useless without KVM") {
        Host host;
        host.root.node("/dev/net/tun", 'c', 10, 200).node("/dev/vhost-net", 'c', 10, 238);
        HookConfig config;
        config.allow_emulation = true;
        CHECK(devices_of(run(input, host.root.path(), config)) == Json::array({node("/dev/net/tun", 10, 200, 0666)}));
    }
    SUBCASE("vhost-net missing: the VM starts without it") {
        Host host;
        host.root.node("/dev/kvm", 'c', 10, 232).node("/dev/net/tun", 'c', 10, 200);
        CHECK(devices_of(run(input, host.root.path())) ==
              Json::array({node("/dev/kvm", 10, 232, 0666), node("/dev/net/tun", 10, 200, 0666)}));
    }
    SUBCASE("tun missing: the VM starts without it (passt does not use it)") {
        Host host;
        host.root.node("/dev/kvm", 'c', 10, 232).node("/dev/vhost-net", 'c', 10, 238);
        CHECK(devices_of(run(input, host.root.path())) ==
              Json::array({node("/dev/kvm", 10, 232, 0666), node("/dev/vhost-net", 10, 238, 0666)}));
    }
    SUBCASE("unusual major:minor numbers are read from the host, never assumed") {
        Host host;
        host.root.node("/dev/kvm", 'c', 243, 7, 0660).node("/dev/net/tun", 'c', 10, 99).node("/dev/vhost-net", 'c', 511, 1048575);
        auto output = run(input, host.root.path());
        CHECK(devices_of(output) == Json::array({node("/dev/kvm", 243, 7, 0660), node("/dev/net/tun", 10, 99, 0666),
                                                 node("/dev/vhost-net", 511, 1048575, 0666)}));
        CHECK(allow_rules_of(output) == Json::array({allow(243, 7), allow(10, 99), allow(511, 1048575)}));
    }
    SUBCASE("/dev/kvm as a symlink is not followed") {
        Host host;
        host.root.node("/dev/real-kvm", 'c', 10, 232).symlink("/dev/kvm", "real-kvm");
        CHECK(error_of([&] { run(input, host.root.path()); }) ==
              "inspecting the host: /dev/kvm: is a symbolic link, not a device node; device nodes are never followed "
              "through links; fix the host's /dev");
    }
    SUBCASE("/dev/kvm as a regular file") {
        Host host;
        host.root.file("/dev/kvm", "");
        CHECK(error_of([&] { run(input, host.root.path()); }) ==
              "inspecting the host: /dev/kvm: is not a device node; recreate it with the kernel's numbers (udevadm "
              "trigger)");
    }
}

TEST_CASE("the spec can be the annotation itself (Podman >= 4.7 kube play, or a config edited by hand)") {
    if (!FakeRoot::can_mknod()) return;
    Host host;
    host.standard();
    const std::string vm_yaml =
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm1\nspec:\n  template:\n    spec:\n"
        "      domain:\n        devices:\n          autoattachPodInterface: false\n";
    struct Case {
        const char* name;
        std::string annotation;
        std::size_t devices;
    };
    const std::vector<Case> cases = {
        {"a VirtualMachine in YAML", vm_yaml, 1},
        {"a VMI in JSON", vmi().dump(), 3},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = podman_config("podman-run-annotation");
        config["annotations"]["kubevirt-vm-to-pod/vm"] = c.annotation;
        auto output = run(config, host.root.path());
        CHECK(devices_of(output).size() == c.devices);
        CHECK(run(Json::parse(output), host.root.path()) == output);
    }
    SUBCASE("the annotation wins over STANDALONE_VMI when both carry a spec") {
        Json config = with_vmi_env(podman_config("podman-run-annotation"), vmi().dump());
        config["annotations"]["kubevirt-vm-to-pod/vm"] = vm_yaml;
        CHECK(devices_of(run(config, host.root.path())).size() == 1);
    }
}

TEST_CASE("bad input: one line saying what and where, nothing written") {
    FakeRoot root;  // never reached: input is refused before the host is looked at
    Json run_config = podman_config("podman-run-annotation");
    struct Case {
        const char* name;
        std::string input;
        std::string expected;
    };
    auto with_annotation = [&](const std::string& value) {
        Json c = run_config;
        c["annotations"]["kubevirt-vm-to-pod/vm"] = value;
        return c.dump();
    };
    auto with_env = [&](const std::string& value) { return with_vmi_env(run_config, value).dump(); };
    Json no_process = run_config;
    no_process.erase("process");
    Json bad_env = run_config;
    bad_env["process"]["env"] = Json::array({1});
    const std::vector<Case> cases = {
        {"not JSON", "this is not json",
         "reading the runtime config from stdin: config.json:1:2: invalid JSON: syntax error while parsing value - "
         "invalid literal"},
        {"not an object", "[1, 2]", "config.json:/: expected an object, found array; the runtime config is malformed; "
                                    "check the hooks that ran before this one"},
        {"no process", no_process.dump(), "config.json:/process: no process in the runtime config; only containers that "
                                          "run a process can host a VM"},
        {"env entry not a string", bad_env.dump(), "config.json:/process/env/0: expected a string, found number; the "
                                                   "runtime config is malformed; check the hooks that ran before this one"},
        {"no spec anywhere", run_config.dump(),
         "annotation kubevirt-vm-to-pod/vm: no VM spec: the annotation value 'x' is a name, not a VirtualMachine "
         "document, and the container has no env STANDALONE_VMI; pass the VMI with --env STANDALONE_VMI=<json> or put "
         "the whole VM document in the annotation"},
        {"env spec does not parse", with_env("{\"kind\": "),
         "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI:1:10: invalid JSON: syntax error while "
         "parsing value - unexpected end of input; expected '[', '{', or a literal"},
        {"env spec is YAML with an error", with_env("kind: VirtualMachine\n  name: x\n"),
         "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI:2:7: invalid YAML: mapping values are not allowed in this context"},
        {"env spec of another kind", with_env(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})"),
         "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI: document is v1 Pod, not a kubevirt.io "
         "VirtualMachine or VirtualMachineInstance; give a KubeVirt VM or VMI as YAML or JSON"},
        {"annotation spec of another kind", with_annotation("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"),
         "reading the VM spec from annotation kubevirt-vm-to-pod/vm: annotation kubevirt-vm-to-pod/vm: document is v1 "
         "ConfigMap, not a kubevirt.io VirtualMachine or VirtualMachineInstance; give a KubeVirt VM or VMI as YAML or "
         "JSON"},
        // Without a ':' it cannot be a VM document, so it is a marker (never parsed as YAML).
        {"a marker that is not YAML", with_annotation("[vm-1"),
         "annotation kubevirt-vm-to-pod/vm: no VM spec: the annotation value '[vm-1' is a name, not a VirtualMachine "
         "document, and the container has no env STANDALONE_VMI; pass the VMI with --env STANDALONE_VMI=<json> or put "
         "the whole VM document in the annotation"},
        {"annotation spec does not parse", with_annotation("{kind: [VirtualMachine"),
         "reading annotation kubevirt-vm-to-pod/vm: annotation kubevirt-vm-to-pod/vm:1:2: invalid JSON: syntax error "
         "while parsing object key - invalid literal; expected string literal"},
        {"a VM without a template", with_env(R"({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": "v"}, "spec": {}})"),
         "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI:/spec/template: missing; a KubeVirt VM needs "
         "spec.template.spec, a VMI needs spec"},
        {"a VM without a name", with_env(R"({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance", "metadata": {}, "spec": {}})"),
         "reading the VM spec from env STANDALONE_VMI: env STANDALONE_VMI:/metadata/name: the VM has no name; set "
         "metadata.name"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string output = "<untouched>";
        RunOptions options;
        options.host_root = root.path();
        auto message = error_of([&] { output = kvpod::hook::run_precreate(c.input, options, HookConfig{}); });
        CHECK(message == c.expected);
        CHECK(output == "<untouched>");
    }
}

TEST_CASE("the schema check itself rejects what the runtime-spec forbids") {
    // Podman writes fileMode with the file-type bits (8630 = 020666), above
    // the schema's 511: such input is accepted by the hook and kept as is,
    // but the hook never writes such a value itself.
    Json config = podman_config("podman-run-annotation");
    config["linux"]["devices"] = Json::array({{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 8630}}});
    CHECK(oci_schema().errors(config).size() > 0);
    config["linux"]["devices"][0]["fileMode"] = 438;
    CHECK(oci_schema().errors(config).empty());
    config["linux"]["devices"][0]["type"] = "x";
    CHECK(oci_schema().errors(config).size() > 0);
}

TEST_CASE("Podman's own --device entries (fileMode with type bits) are accepted and kept") {
    if (!FakeRoot::can_mknod()) return;
    Host host;
    host.standard();
    Json config = with_vmi_env(podman_config("podman-run-annotation"), vmi().dump());
    Json podman_kvm = {{"path", "/dev/kvm"}, {"type", "c"}, {"major", 10}, {"minor", 232}, {"fileMode", 8630}, {"uid", 0}, {"gid", 0}};
    config["linux"]["devices"] = Json::array({podman_kvm});
    auto output = run(config, host.root.path());
    auto devices = devices_of(output);
    REQUIRE(devices.size() == 3);
    CHECK(devices[0] == podman_kvm);
    CHECK(run(Json::parse(output), host.root.path()) == output);
}
