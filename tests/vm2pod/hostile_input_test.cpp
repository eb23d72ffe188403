// SPDX-License-Identifier: Apache-2.0
// Hostile input for the converter: what whoever hands over a VM file
// controls. Each case runs the built kubevirt-vm-to-pod (input on stdin,
// or as a file for the cases about files) and asserts its exact one-line
// error, exit status 1 and an empty stdout: a refused VM leaves no partial
// Pod behind for a `| podman kube play -` to run. The suite runs under ASan
// and UBSan in CI, so a crash, an overflow or a leak fails it too.
// The hook's side is tests/host/hostile_input_test.cpp (31 cases).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "test_support.hpp"
#include "vm2pod_process.hpp"

using namespace kvpod::testing;

namespace {

/// A small VM that converts (tests/data/vm2pod/cirros-test-vm.yaml without
/// its comments); each case changes one thing in it.
const std::string kVm = R"(apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: cirros-test
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          disks:
          - name: containerdisk
            disk: {}
        resources:
          requests:
            memory: 128Mi
            cpu: "1"
      volumes:
      - name: containerdisk
        containerDisk:
          image: quay.io/kubevirt/cirros-container-disk-demo:latest
)";

/// kVm with the first `from` replaced by `to`.
std::string vm_with(const std::string& from, const std::string& to) {
    std::string out = kVm;
    auto at = out.find(from);
    if (at == std::string::npos) throw std::runtime_error("kVm holds no " + from);
    return out.replace(at, from.size(), to);
}

struct Case {
    const char* name;
    std::string input;     ///< the VM file's text, on stdin
    std::string expected;  ///< stderr without "kubevirt-vm-to-pod: error: " and the newline
};

// 35 cases (the hook's table, tests/host/hostile_input_test.cpp, holds 31:
// 66 hostile inputs in all); the test below keeps this count honest.
std::vector<Case> hostile_cases() {
    std::string yaml_block_deep;
    for (int i = 0; i < 100; ++i) yaml_block_deep += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k" + std::to_string(i) + ":\n";
    const std::string devices = "        devices:\n";
    const std::string spec = "stdin:/spec/template/spec";
    return {
        // the 64th '[' after "spec: " (column 7 + 63) is one level too many
        {"YAML flow nested 100000 levels", "spec: " + nested('[', ']', 100000), "stdin:1:70: nesting deeper than 64 levels"},
        // line N opens the mapping of depth N at column 2(N-1)+1
        {"YAML block nested 100 levels", yaml_block_deep, "stdin:65:129: nesting deeper than 64 levels"},
        // the root object and 63 arrays fill the 64 levels
        {"JSON nested 100000 levels", R"({"spec": )" + nested('[', ']', 100000) + "}",
         "stdin:/spec" + zeros(63) + ": nesting deeper than 64 levels"},
        {"over the size limit", kVm + "#" + std::string(4 * 1024 * 1024, 'a'),
         "stdin: more than 4194304 bytes; a VM file is far smaller: give the VM and its instancetype and preference only"},
        // found by fuzz-converter-input: the bytes reached nlohmann's dump() and threw
        {"invalid UTF-8 in YAML", vm_with("cirros-test", "cirros-\xc3\x28test"),
         "stdin:4:16: invalid UTF-8 (byte 0xc3); save the file as UTF-8"},
        {"invalid UTF-8 in JSON", "{\"kind\": \"Virtual\xff\"}",
         "stdin:1:18: invalid JSON: syntax error while parsing value - invalid string: ill-formed UTF-8 byte"},
        {"raw NUL in YAML", vm_with("cirros-test", std::string("cirros\0test", 11)), "stdin:4:15: NUL byte in YAML text"},
        {"escaped NUL in JSON", R"({"apiVersion": "kubevirt.io/v1\u0000x", "kind": "VirtualMachine"})", "stdin:/apiVersion: NUL byte in a string"},
        {"duplicate key in YAML", vm_with("kind: VirtualMachine\n", "kind: VirtualMachine\nkind: Pod\n"), "stdin:3:1: duplicate key 'kind'"},
        {"duplicate key in JSON", R"({"kind": "VirtualMachine", "kind": "Pod"})", "stdin:/kind: duplicate key 'kind'"},
        {"memory 1e400", vm_with("memory: 128Mi", "memory: 1e400"), "stdin:16:21: number '1e400' is out of range"},
        {"cores 99999999999999999999", vm_with(devices, "        cpu:\n          cores: 99999999999999999999\n" + devices),
         "stdin:11:18: integer '99999999999999999999' is out of range"},
        {"cores -1", vm_with(devices, "        cpu:\n          cores: -1\n" + devices),
         spec + "/domain/cpu/cores: cores -1 is not a count from 0 to 4294967295; give the number of CPUs the VM should see"},
        {"sockets 2^32", vm_with(devices, "        cpu:\n          sockets: 4294967296\n" + devices),
         spec + "/domain/cpu/sockets: sockets 4294967296 is not a count from 0 to 4294967295; give the number of CPUs the VM should see"},
        {"negative memory", vm_with("memory: 128Mi", "memory: -128Mi"),
         spec + "/domain/resources/requests/memory: '-128Mi' is negative; give 0 or more: KubeVirt refuses negative resources"},
        {"negative CPU limit", vm_with("requests:", "limits:\n            cpu: -2\n          requests:"),
         spec + "/domain/resources/limits/cpu: '-2' is negative; give 0 or more: KubeVirt refuses negative resources"},
        {"a Pod, not a VM", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n",
         "stdin: a Pod (v1) is not something kubevirt-vm-to-pod converts; give a VirtualMachine or VirtualMachineInstance, "
         "with its instancetype and preference if it names them"},
        {"empty file", "", "stdin: holds no document (it is empty or only comments); give a VirtualMachine or VirtualMachineInstance in YAML or JSON"},
        {"only separators and comments", "---\n# nothing\n---\n...\n",
         "stdin: holds no document (it is empty or only comments); give a VirtualMachine or VirtualMachineInstance in YAML or JSON"},
        {"multi-document stream with no VM",
         "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: VirtualMachineInstancetype\nmetadata:\n  name: small\n---\n"
         "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: VirtualMachinePreference\nmetadata:\n  name: virtio\n",
         "stdin (document 1): holds no VirtualMachine or VirtualMachineInstance, only a VirtualMachineInstancetype 'small'; "
         "convert the VM that uses it and give this file with --instancetype-file"},
        // found by fuzz-converter-input: json's value() threw a type_error
        {"kind is null", "apiVersion: kubevirt.io/v1\nkind:\n",
         "stdin: is not a Kubernetes object (no kind); give a VirtualMachine or VirtualMachineInstance in YAML or JSON"},
        {"apiVersion is a number", "apiVersion: 1\nkind: VirtualMachine\n",
         "stdin: a VirtualMachine (no apiVersion) is not something kubevirt-vm-to-pod converts; give a VirtualMachine or "
         "VirtualMachineInstance, with its instancetype and preference if it names them"},
        {"a JSON list, no object", "[1, 2]", "stdin: is not a Kubernetes object (no kind); give a VirtualMachine or VirtualMachineInstance in YAML or JSON"},
        {"unknown apiVersion", vm_with("kubevirt.io/v1", "kubevirt.io/v9"),
         "stdin:/apiVersion: apiVersion 'kubevirt.io/v9' is not one KubeVirt v1.8 serves; use apiVersion: kubevirt.io/v1"},
        {"name with a slash", vm_with("name: cirros-test", "name: a/b"),
         "stdin:/metadata/name: name 'a/b' is not a lowercase RFC 1123 subdomain; use a-z, 0-9 and '-' (and '.' between "
         "parts), starting and ending with a letter or digit"},
        {"name with '..'", vm_with("name: cirros-test", "name: ../../etc"),
         "stdin:/metadata/name: name '../../etc' is not a lowercase RFC 1123 subdomain; use a-z, 0-9 and '-' (and '.' "
         "between parts), starting and ending with a letter or digit"},
        {"name of 300 characters", vm_with("name: cirros-test", "name: " + std::string(300, 'a')),
         "stdin:/metadata/name: name is 300 characters long, more than 253; shorten it: Kubernetes refuses longer names"},
        {"namespace with capitals", vm_with("  name: cirros-test\n", "  name: cirros-test\n  namespace: Team_A\n"),
         "stdin:/metadata/namespace: namespace 'Team_A' is not a lowercase RFC 1123 label; use a-z, 0-9 and '-', starting "
         "and ending with a letter or digit"},
        {"image with a newline", vm_with("image: quay.io/kubevirt/cirros-container-disk-demo:latest", "image: \"quay.io/x\\nspec: evil\""),
         spec + "/volumes/0/containerDisk/image: image 'quay.io/x\\nspec: evil' holds a control character, which no image "
                "reference holds; give the image as registry/name:tag or registry/name@sha256:digest"},
        {"image with shell metacharacters", vm_with("image: quay.io/kubevirt/cirros-container-disk-demo:latest", "image: 'quay.io/x;$(id)'"),
         spec + "/volumes/0/containerDisk/image: image 'quay.io/x;$(id)' holds ';', which no image reference holds; give "
                "the image as registry/name:tag or registry/name@sha256:digest"},
        {"hostDevices deviceName ../../dev/sda",
         vm_with(devices, devices + "          hostDevices:\n          - name: d\n            deviceName: ../../dev/sda\n"),
         spec + "/domain/devices/hostDevices/0/deviceName: deviceName '../../dev/sda' is not a device plugin resource name; "
                "give the resource as vendor-domain/name, e.g. nvidia.com/TU104GL_Tesla_T4"},
        {"GPU deviceName with no domain", vm_with(devices, devices + "          gpus:\n          - name: g\n            deviceName: sda\n"),
         spec + "/domain/devices/gpus/0/deviceName: deviceName 'sda' is not a device plugin resource name; give the resource "
                "as vendor-domain/name, e.g. nvidia.com/TU104GL_Tesla_T4"},
        {"VM without a name", vm_with("  name: cirros-test\n", "  labels: {}\n"), "stdin:/metadata/name: the VM has no name; set metadata.name"},
        // KubeVirt would add its 30 s in Go's wrapping int64; Podman waits in int64 nanoseconds
        {"terminationGracePeriodSeconds 2^63-1",
         vm_with("      domain:\n", "      terminationGracePeriodSeconds: 9223372036854775807\n      domain:\n"),
         spec + "/terminationGracePeriodSeconds: 9223372036854775807 seconds and KubeVirt's 30 more for the Pod are more "
                "than Podman can wait (9223372036 s); give a shorter grace period"},
        {"spec is a string", vm_with("spec:\n  runStrategy: Always\n", "spec: evil\nx:\n  runStrategy: Always\n"),
         "stdin:/spec: not an object; a KubeVirt VM needs spec.template.spec, a VMI needs spec"},
    };
}

/// An error: status 1, nothing on stdout, exactly one line on stderr.
void check_refused(const ProcessResult& r, const std::string& expected) {
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "kubevirt-vm-to-pod: error: " + expected + "\n");
}

}  // namespace

TEST_CASE("hostile input to the converter: refused with one exact line, nothing on stdout") {
    auto cases = hostile_cases();
    CHECK(cases.size() == 35);
    // The base VM converts: each case fails for the one thing it changes.
    auto base = run_process({converter_binary(), "-"}, kVm);
    REQUIRE(base.status == 0);
    CHECK(base.out.find("kind: Pod") != std::string::npos);
    for (const auto& c : cases) {
        CAPTURE(c.name);
        check_refused(run_process({converter_binary(), "-"}, c.input), c.expected);
    }
}

TEST_CASE("hostile VM files: named in the message, refused the same way") {
    auto dir = std::filesystem::temp_directory_path() / ("kvpod-hostile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    };
    std::string big = write("big.yaml", kVm + "#" + std::string(4 * 1024 * 1024, 'a'));
    check_refused(run_process({converter_binary(), big}),
                  big + ": more than 4194304 bytes; a VM file is far smaller: give the VM and its instancetype and preference only");
    std::string empty = write("empty.yaml", "");
    check_refused(run_process({converter_binary(), empty}),
                  empty + ": holds no document (it is empty or only comments); give a VirtualMachine or VirtualMachineInstance in YAML or JSON");
    // Podman before 5.3 gets the image in setup commands printed as YAML
    // comments; a newline there would have turned the rest into Pod YAML.
    std::string newline = write("newline.yaml", vm_with("image: quay.io/kubevirt/cirros-container-disk-demo:latest",
                                                        "image: \"quay.io/x\\nspec: evil\""));
    auto old = run_process({converter_binary(), newline, "--podman-version=4.3"});
    CHECK(old.status == 1);
    CHECK(old.out.empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("characters YAML cannot hold as they are: the Pod still reads back, with them escaped") {
    // Found by the converter-input fuzzer (corpus regress-del-in-key.json): a
    // resource name with DEL went into the Pod raw, and kube play's YAML
    // reader would have refused the whole Pod. The annotation's breaks and C1
    // control reach the Pod inside STANDALONE_VMI's value.
    std::string vm = vm_with("            cpu: \"1\"\n", "            cpu: \"1\"\n            \"del\\x7fkey\": \"1\"\n");
    const std::string template_spec = "  template:\n    spec:\n";
    vm.replace(vm.find(template_spec), template_spec.size(),
               "  template:\n    metadata:\n      annotations:\n        note: \"nel\\x85 c1\\x80 ls\\u2028\"\n    spec:\n");
    auto r = run_process({converter_binary(), "-"}, vm);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("\"del\\u007fkey\": ") != std::string::npos);
    CHECK(r.out.find("nel\\u0085 c1\\u0080 ls\\u2028") != std::string::npos);
    auto pod = kvpod::document::parse_yaml(r.out, "pod.yaml");
    const auto& compute = pod["spec"]["containers"][0];
    CHECK(compute["resources"]["requests"].contains("del\x7fkey"));
    std::string vmi;
    for (const auto& e : compute["env"])
        if (e["name"] == "STANDALONE_VMI") vmi = e["value"];
    CHECK(nlohmann::json::parse(vmi)["metadata"]["annotations"]["note"] == "nel\xc2\x85 c1\xc2\x80 ls\xe2\x80\xa8");
}
