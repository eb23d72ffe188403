// SPDX-License-Identifier: Apache-2.0
// The command-line contract of kubevirt-vm-to-pod, on the built binary:
// every flag, the input forms, and what reaches stdout and stderr.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "build_config.hpp"
#include "core/document.hpp"
#include "fake_root.hpp"
#include "fixture_root.hpp"
#include "pod_support.hpp"
#include "test_support.hpp"
#include "vm2pod_process.hpp"

using namespace kvpod::testing;
using Json = nlohmann::json;

namespace {

const std::string kVm = "vm2pod/cirros-test-vm.yaml";

/// Runs the converter in tests/data with `args`.
ProcessResult convert(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), converter_binary());
    return run_process(args, input, data_dir() + "/data");
}

Json pod_of(const ProcessResult& r) { return kvpod::document::parse_yaml(r.out, "stdout"); }

const Json& compute(const Json& pod) { return pod["spec"]["containers"][0]; }

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

/// An error: status 1, nothing on stdout, exactly `line` on stderr.
void check_error(const ProcessResult& r, const std::string& line) {
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == line + "\n");
}

}  // namespace

TEST_CASE("a VM file becomes the Pod on stdout, the same from --vm-file, stdin and -") {
    auto file = convert({kVm});
    REQUIRE(file.status == 0);
    CHECK(file.err.empty());
    Json pod = pod_of(file);
    CHECK(pod["kind"] == "Pod");
    CHECK(pod["metadata"]["name"] == "virt-launcher-cirros-test");
    CHECK(pod_problems(pod).empty());

    CHECK(convert({"--vm-file=" + kVm}).out == file.out);
    CHECK(convert({"--vm-file", kVm}).out == file.out);
    std::string text = read_file(data_dir() + "/data/" + kVm);
    CHECK(convert({}, text).out == file.out);
    CHECK(convert({"-"}, text).out == file.out);
    CHECK(convert({kVm, "--vm-file=" + kVm}).out == file.out);
    check_error(convert({kVm, "--vm-file=other.yaml"}),
                "kubevirt-vm-to-pod: error: command line: two inputs: " + kVm + " and --vm-file other.yaml; give one");
}

TEST_CASE("JSON input and JSON output") {
    auto yaml = convert({kVm});
    Json vm = kvpod::document::parse_yaml(read_file(data_dir() + "/data/" + kVm), "vm");
    auto from_json = convert({"-"}, vm.dump());
    CHECK(from_json.out == yaml.out);
    auto json = convert({kVm, "--output=json"});
    REQUIRE(json.status == 0);
    CHECK(Json::parse(json.out) == pod_of(yaml));
    CHECK(convert({kVm, "-o", "json"}).out == json.out);
    check_error(convert({kVm, "--output=xml"}),
                "kubevirt-vm-to-pod: error: --output: unknown output format 'xml'; use --output=yaml or --output=json");
}

TEST_CASE("the instancetype and preference: from flags or from the stream, namespaced and cluster kinds") {
    const std::string vm = "vm2pod/cirros-clarge-virtio-vm.yaml";
    auto flags = convert({vm, "--instancetype-file=kubevirt-examples/clarge.yaml",
                          "--preference-file=kubevirt-examples/virtio.yaml"});
    REQUIRE(flags.status == 0);
    Json pod = pod_of(flags);
    CHECK(compute(pod)["resources"]["requests"]["cpu"] == "400m");       // clarge: 4 vCPUs
    CHECK(compute(pod)["resources"]["requests"]["memory"] == "2590Mi");  // 2Gi + 542Mi
    CHECK(pod["spec"]["restartPolicy"] == "OnFailure");                  // runStrategy RerunOnFailure
    CHECK(pod["metadata"]["annotations"]["kubevirt.io/preference-name"] == "virtio");
    std::string stream = read_file(data_dir() + "/data/" + vm) + "\n---\n" +
                         read_file(data_dir() + "/data/kubevirt-examples/clarge.yaml") + "\n---\n" +
                         read_file(data_dir() + "/data/kubevirt-examples/virtio.yaml");
    auto piped = convert({"-"}, stream);
    CHECK(piped.status == 0);
    CHECK(piped.out == flags.out);
    // A kubectl List holding the three, as JSON.
    Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", Json::array()}};
    for (const std::string& f : std::vector<std::string>{vm, "kubevirt-examples/clarge.yaml", "kubevirt-examples/virtio.yaml"})
        list["items"].push_back(kvpod::document::parse_yaml(read_file(data_dir() + "/data/" + f), f));
    CHECK(convert({"-"}, list.dump()).out == flags.out);
    // Of several instancetypes in a stream, the one the VM names.
    auto several = convert({"-"}, stream + "\n---\n" + read_file(data_dir() + "/data/kubevirt-examples/csmall.yaml"));
    CHECK(several.out == flags.out);

    auto cluster = convert({"vm2pod/cirros-cluster-csmall-vm.yaml", "--instancetype-file",
                            "kubevirt-examples/cluster-csmall.yaml"});
    REQUIRE(cluster.status == 0);
    CHECK(pod_of(cluster)["metadata"]["annotations"]["kubevirt.io/cluster-instancetype-name"] == "cluster-csmall");
    CHECK(compute(pod_of(cluster))["resources"]["requests"]["memory"] == "646Mi");

    check_error(convert({vm, "--instancetype-file=kubevirt-examples/virtio.yaml"}),
                "kubevirt-vm-to-pod: error: kubevirt-examples/virtio.yaml: a VirtualMachinePreference is not an "
                "instancetype (VirtualMachineInstancetype or VirtualMachineClusterInstancetype); give "
                "--instancetype-file an instancetype (VirtualMachineInstancetype or "
                "VirtualMachineClusterInstancetype) document");
    check_error(convert({vm}),
                "kubevirt-vm-to-pod: error: " + vm + ":/spec/instancetype: the VM references VirtualMachineInstancetype "
                "'clarge' but no instancetype was given; give its YAML with --instancetype-file");

    // KubeVirt's common instancetypes and preferences need no file.
    auto common = convert({"vm2pod/fedora-u1-medium-vm.yaml"});
    REQUIRE(common.status == 0);
    CHECK(common.err.empty());
    Json common_vmi = Json::parse(named(compute(pod_of(common))["env"], "STANDALONE_VMI")["value"].get<std::string>());
    CHECK(common_vmi["spec"]["domain"]["memory"]["guest"] == "4Gi");
    CHECK(common_vmi["metadata"]["annotations"]["kubevirt.io/cluster-preference-name"] == "fedora");
    std::string misspelt = read_file(data_dir() + "/data/vm2pod/fedora-u1-medium-vm.yaml");
    misspelt.replace(misspelt.find("name: fedora\n"), 12, "name: fedoar");
    check_error(convert({"-"}, misspelt),
                "kubevirt-vm-to-pod: error: stdin:/spec/preference/name: the VM references VirtualMachineClusterPreference "
                "'fedoar' but no preference was given and KubeVirt's common preferences (v1.6.0) have none of that name; "
                "give its YAML with --preference-file or as another document of the VM's file, or name one of "
                "common-instancetypes v1.6.0's preferences: of the families alpine, centos.*, cirros, debian, fedora.*, "
                "legacy, linux.*, opensuse.*, oraclelinux, rhel.*, sles, ubuntu, windows.*");
}

TEST_CASE("--launcher-image, --no-passt, --podman-version") {
    auto image = convert({kVm, "--launcher-image=localhost/launcher:dev"});
    CHECK(compute(pod_of(image))["image"] == "localhost/launcher:dev");

    // Reference 3.8: 405760Ki without passt, 661760Ki with it.
    auto passt = convert({kVm});
    CHECK(compute(pod_of(passt))["resources"]["requests"]["memory"] == "661760Ki");
    Json vmi = Json::parse(named(compute(pod_of(passt))["env"], "STANDALONE_VMI")["value"].get<std::string>());
    CHECK(vmi["spec"]["domain"]["firmware"]["uuid"] == "5b8fc9fe-91d0-5adb-a2b1-f20e810e2e94");
    CHECK(vmi["spec"]["domain"]["devices"]["interfaces"][0].contains("passtBinding"));
    auto no_passt = convert({kVm, "--no-passt"});
    REQUIRE(no_passt.status == 0);
    Json pod = pod_of(no_passt);
    CHECK(compute(pod)["resources"]["requests"]["memory"] == "405760Ki");
    CHECK(!pod["spec"]["securityContext"].contains("sysctls"));
    CHECK(no_passt.err.find("warning: " + kVm + ":/spec/template/spec/domain/devices/interfaces/0: the masquerade binding") !=
          std::string::npos);

    auto old = convert({kVm, "--podman-version", "4.3.1"});
    REQUIRE(old.status == 0);
    CHECK(old.out.rfind("# Before podman kube play, run once:\n#   podman pull quay.io/kubevirt/cirros-container-disk-demo:latest\n", 0) == 0);
    CHECK(pod_of(old)["spec"]["initContainers"][0]["name"] == "container-disk-check");
    std::vector<std::string> err = lines(old.err);
    CHECK(err.back() == "kubevirt-vm-to-pod: before podman kube play, run: podman volume exists "
                        "cirros-test-containerdisk-fb2115ef || podman volume create --driver image --opt "
                        "image=quay.io/kubevirt/cirros-container-disk-demo:latest cirros-test-containerdisk-fb2115ef");
    for (const auto& line : err) CHECK(line.rfind("kubevirt-vm-to-pod: ", 0) == 0);
    check_error(convert({kVm, "--podman-version=latest"}),
                "kubevirt-vm-to-pod: error: --podman-version 'latest': is not a Podman version; give "
                "major[.minor[.patch]], e.g. 4.3 or 5.4");
}

TEST_CASE("--mount-devices in the forms the prior tool took, against a fake host") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FakeRoot root;
    root.node("/dev/kvm", 'c', 10, 232).node("/dev/net/tun", 'c', 10, 200);
    for (const std::string flag : {"--mount-devices", "--mount-devices=true"}) {
        CAPTURE(flag);
        auto r = convert({kVm, flag, "--host-root=" + root.path(), "--hook-config=/dev/null"});
        REQUIRE(r.status == 0);
        Json pod = pod_of(r);
        CHECK(named(pod["spec"]["volumes"], "dev-kvm")["hostPath"] == Json{{"path", "/dev/kvm"}, {"type", "CharDevice"}});
        CHECK(!named(pod["spec"]["volumes"], "dev-net-tun").is_null());
        CHECK(named(pod["spec"]["volumes"], "dev-vhost-net").is_null());
        CHECK(!pod["metadata"]["annotations"].contains("kubevirt-vm-to-pod/vm"));
        CHECK(r.err == "kubevirt-vm-to-pod: warning: --mount-devices: vhost-net: left out of the Pod: the host has no "
                       "/dev/vhost-net; QEMU uses its userspace virtio-net (modprobe vhost_net)\n");
    }
    auto off = convert({kVm, "--mount-devices=false", "--host-root=" + root.path(), "--hook-config=/dev/null"});
    CHECK(off.out == convert({kVm}).out);
    CHECK(convert({kVm, "--mount-devices=maybe"}).status == 1);
}

TEST_CASE("--mount-devices gives a GPU's VFIO nodes and PCI_RESOURCE_* as the hook would, or says why not") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FixtureRoot root("nvidia-t4-vfio");  // a Tesla T4 on vfio-pci, alone in IOMMU group 42
    auto r = convert({"vms/gpu-t4.yaml", "--mount-devices", "--host-root=" + root.path(),
                      "--hook-config=hook-configs/permitted.yaml"});
    REQUIRE(r.status == 0);
    Json pod = pod_of(r);
    for (const char* node : {"/dev/vfio/42", "/dev/vfio/vfio", "/dev/kvm"}) {
        CAPTURE(node);
        Json mount;
        for (const auto& m : compute(pod)["volumeMounts"])
            if (m["mountPath"] == node) mount = m;
        REQUIRE(mount.is_object());
        CHECK(named(pod["spec"]["volumes"], mount["name"])["hostPath"] == Json{{"path", node}, {"type", "CharDevice"}});
    }
    CHECK(named(compute(pod)["env"], "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4")["value"] == "0000:3b:00.0");
    CHECK(compute(pod)["resources"]["limits"]["nvidia.com/TU104GL_Tesla_T4"] == "1");
    CHECK(r.err.find("warning: --mount-devices: the VM needs RLIMIT_MEMLOCK of ") != std::string::npos);
    CHECK(r.err.find("default_ulimits = [\"memlock=") != std::string::npos);

    auto denied = convert({"vms/gpu-t4.yaml", "--mount-devices", "--host-root=" + root.path(),
                           "--hook-config=hook-configs/deny-nvidia.yaml"});
    REQUIRE(denied.status == 0);
    CHECK(named(compute(pod_of(denied))["env"], "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4").is_null());
    CHECK(denied.err.find("warning: --mount-devices: gpus[0] gpu1 nvidia.com/TU104GL_Tesla_T4: left out of the Pod: ") !=
          std::string::npos);
    CHECK(denied.err.find("virt-launcher will refuse the VM") != std::string::npos);

    check_error(convert({"vms/gpu-t4.yaml", "--mount-devices", "--hook-config=missing.yaml"}),
                "kubevirt-vm-to-pod: error: --mount-devices: reading the hook's configuration: missing.yaml: cannot open: "
                "No such file or directory");
}

TEST_CASE("--mount-devices keeps a host-driver GPU's vendor-table nodes, and warns that virt-launcher will not attach it") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FixtureRoot root("nvidia-two-gpus");  // two T4 on the nvidia driver, Device Minors 0 and 3
    auto r = convert({"vms/gpu-nvidia-two.yaml", "--mount-devices", "--host-root=" + root.path(), "--hook-config=/dev/null"});
    REQUIRE(r.status == 0);
    Json pod = pod_of(r);
    std::vector<std::string> mounted;
    for (const auto& m : compute(pod)["volumeMounts"])
        if (m["mountPath"].get<std::string>().rfind("/dev/nvidia", 0) == 0) mounted.push_back(m["mountPath"]);
    CHECK(mounted == std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia3", "/dev/nvidiactl", "/dev/nvidia-uvm",
                                              "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"});
    CHECK(named(compute(pod)["env"], "PCI_RESOURCE_NVIDIA_COM_GPU").is_null());
    auto err = lines(r.err);
    for (const char* gpu : {"gpus[0] gpu1 nvidia.com/GPU: 0000:17:00.0", "gpus[1] gpu2 nvidia.com/GPU: 0000:65:00.0"}) {
        std::string bdf = std::string(gpu).substr(std::string(gpu).size() - 12);
        std::string warning = "kubevirt-vm-to-pod: warning: --mount-devices: " + std::string(gpu) +
                              " is on its host driver nvidia: its nodes are in the Pod, but virt-launcher will not attach "
                              "a GPU on its host driver and refuses to start the VM; it needs the GPU bound to vfio-pci "
                              "and its address in PCI_RESOURCE_NVIDIA_COM_GPU (driverctl set-override " + bdf +
                              " vfio-pci, then convert again)";
        CAPTURE(warning);
        CHECK(std::count(err.begin(), err.end(), warning) == 1);
    }
}

TEST_CASE("--add-console-proxy, --proxy-image, --proxy-port") {
    auto r = convert({kVm, "--add-console-proxy", "--proxy-image=localhost/proxy:1", "--proxy-port=9999"});
    REQUIRE(r.status == 0);
    Json proxy = named(pod_of(r)["spec"]["containers"], "console-proxy");
    CHECK(proxy["image"] == "localhost/proxy:1");
    CHECK(proxy["command"] == Json{"/console-proxy", "-port=9999", "-listen=unix"});
    auto defaults = convert({kVm, "--add-console-proxy"});
    CHECK(named(pod_of(defaults)["spec"]["containers"], "console-proxy")["image"] ==
          "quay.io/vladikr/kubevirt-console-proxy:latest");
    CHECK(named(pod_of(convert({kVm}))["spec"]["containers"], "console-proxy").is_null());
}

TEST_CASE("errors: one line on stderr, nothing on stdout, status 1") {
    check_error(convert({"-"}, "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: [a\n"),
                "kubevirt-vm-to-pod: error: stdin:5:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)");
    check_error(convert({"missing.yaml"}), "kubevirt-vm-to-pod: error: missing.yaml: cannot open: No such file or directory");
    check_error(convert({"-"}, "{\"kind\": \"VirtualMachine\",}"),
                "kubevirt-vm-to-pod: error: stdin:1:27: invalid JSON: syntax error while parsing object key - unexpected "
                "'}'; expected string literal");
    check_error(convert({"kubevirt-examples/clarge.yaml"}),
                "kubevirt-vm-to-pod: error: kubevirt-examples/clarge.yaml: holds no VirtualMachine or "
                "VirtualMachineInstance, only a VirtualMachineInstancetype 'clarge'; convert the VM that uses it and "
                "give this file with --instancetype-file");
    check_error(convert({"-"}, read_file(data_dir() + "/data/" + kVm) + "---\n" + read_file(data_dir() + "/data/" + kVm)),
                "kubevirt-vm-to-pod: error: stdin (document 2): holds 2 VMs ('cirros-test', 'cirros-test'); convert one "
                "VM at a time: one Pod runs one VM");
    auto flag = convert({kVm, "--frobnicate"});
    CHECK(flag.status == 1);
    CHECK(flag.out.empty());
    CHECK(flag.err == "kubevirt-vm-to-pod: error: unknown option --frobnicate; see kubevirt-vm-to-pod --help\n");
}

// The console's relay and socket are tested in tests/host/serial_console_test.cpp,
// its messages in tests/unit/serial_console_test.cpp, and the whole command
// against real Podman in tests/e2e (vm2pod_podman.sh, vm_boot.sh). Here: how
// the binary reports that it cannot ask Podman.
TEST_CASE("console: a podman that cannot run, or fails, is an error with nothing on stdout") {
    check_error(convert({"console", "myvm", "--podman", "/nonexistent/podman"}),
                "kubevirt-vm-to-pod: error: console: cannot run /nonexistent/podman: No such file or directory; install "
                "Podman, or name it with --podman");
    check_error(convert({"console", "myvm", "--podman=false"}),
                "kubevirt-vm-to-pod: error: console: podman container inspect virt-launcher-myvm-compute failed (exit 1); "
                "check that Podman works: podman ps");
    check_error(convert({"console"}), "kubevirt-vm-to-pod: error: console takes one VM name; see kubevirt-vm-to-pod --help");
}

TEST_CASE("--help and --version") {
    auto help = convert({"--help"});
    CHECK(help.status == 0);
    for (const char* flag : {"--vm-file", "--instancetype-file", "--preference-file", "--launcher-image", "--no-passt",
                             "--mount-devices", "--add-console-proxy", "--proxy-image", "--proxy-port", "--output",
                             "--podman-version", "--host-root"})
        CHECK(help.out.find(flag) != std::string::npos);
    auto version = convert({"--version"});
    CHECK(version.status == 0);
    CHECK(version.out == std::string(KVPOD_VERSION) +
                             "\ncommon-instancetypes v1.6.0 (65 cluster instancetypes, 54 cluster preferences, as "
                             "KubeVirt v1.8 deploys)\n");
}
