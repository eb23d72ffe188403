// SPDX-License-Identifier: Apache-2.0
// expand_vmi(): the reference's worked example, passt, determinism.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/firmware_uuid.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
using kvpod::kubevirt::ConvertOptions;

namespace {

const std::string kCirros = data_file("data/vmi/cirros-test.yaml");

ConvertOptions no_passt() {
    ConvertOptions options;
    options.passt = false;
    return options;
}

}  // namespace

TEST_CASE("firmware UUIDs are KubeVirt's UUIDv5 of the VMI name") {
    struct Case {
        const char* name;
        const char* uuid;
    };
    // cirros-test is the reference's check value (test-pod.yaml); the others
    // come from Python's uuid.uuid5 with the same namespace.
    const std::vector<Case> cases = {
        {"cirros-test", "5b8fc9fe-91d0-5adb-a2b1-f20e810e2e94"},
        {"vm-cirros", "0d2a2043-41c0-59c3-9b17-025022203668"},
        {"a", "8d9794ca-8c84-5204-b98a-721424eaae6f"},
        {"ünïcode-vm", "e4b779e7-d930-534a-839e-9867bbc52102"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(kvpod::kubevirt::legacy_firmware_uuid(c.name) == c.uuid);
    }
    // Version 5, RFC 4122 variant, and different names give different UUIDs.
    std::string other = kvpod::kubevirt::legacy_firmware_uuid("another-vm");
    CHECK(other[14] == '5');
    CHECK(std::string("89ab").find(other[19]) != std::string::npos);
    CHECK(other != kvpod::kubevirt::legacy_firmware_uuid("cirros-test"));
}

TEST_CASE("the worked example of the reference (cirros-test) expands as KubeVirt v1.8 does") {
    auto out = expand(kCirros);
    const Json& vmi = out.vmi;
    CHECK(out.diagnostics.empty());
    CHECK(vmi["apiVersion"] == "kubevirt.io/v1");
    CHECK(vmi["kind"] == "VirtualMachineInstance");
    CHECK(at(vmi, "/metadata/name") == "cirros-test");
    CHECK(at(vmi, "/metadata/namespace") == "default");
    CHECK(at(vmi, "/metadata/annotations") == Json{{"kubevirt.io/pci-topology-version", "v3"}});
    CHECK(at(vmi, "/metadata/ownerReferences") == Json::parse(R"([{"apiVersion":"kubevirt.io/v1",
        "kind":"VirtualMachine","name":"cirros-test","uid":"","controller":true,"blockOwnerDeletion":true}])"));
    CHECK(at(vmi, "/spec/domain/firmware/uuid") == "5b8fc9fe-91d0-5adb-a2b1-f20e810e2e94");
    CHECK(at(vmi, "/spec/domain/cpu") ==
          Json::parse(R"({"cores":1,"sockets":1,"maxSockets":4,"threads":1,"model":"host-model"})"));
    CHECK(at(vmi, "/spec/domain/memory") == Json{{"guest", "128Mi"}});  // no maxGuest below 1Gi
    CHECK(at(vmi, "/spec/domain/resources/requests") == Json{{"cpu", "1"}, {"memory", "128Mi"}});
    CHECK(at(vmi, "/spec/domain/machine/type") == "q35");
    CHECK(at(vmi, "/spec/domain/features") == Json::parse(R"({"acpi":{"enabled":true}})"));
    CHECK(at(vmi, "/spec/domain/devices/disks") == Json::parse(R"([{"name":"containerdisk","disk":{"bus":"sata"}}])"));
    CHECK(at(vmi, "/spec/domain/devices/interfaces") == Json::parse(R"([{"name":"default","passtBinding":{}}])"));
    CHECK(at(vmi, "/spec/volumes/0/containerDisk/imagePullPolicy") == "Always");
    CHECK(at(vmi, "/spec/evictionStrategy") == "None");
    CHECK(at(vmi, "/spec/architecture") == "amd64");
    CHECK(at(vmi, "/spec/networks") == Json::parse(R"([{"name":"default","pod":{}}])"));
    CHECK(at(vmi, "/status") == Json::parse(R"({
        "guestOSInfo": {}, "runtimeUser": 107,
        "currentCPUTopology": {"cores": 1, "sockets": 1, "threads": 1},
        "memory": {"guestAtBoot": "128Mi", "guestCurrent": "128Mi", "guestRequested": "128Mi"},
        "interfaces": [{"name": "default", "podInterfaceName": "eth0"}]})"));
    check_golden("data/vmi/cirros-test.vmi.json", vmi.dump(2) + "\n");
}

TEST_CASE("with --no-passt the bindings stay and a warning says they need virt-handler") {
    auto out = expand(kCirros, no_passt());
    CHECK(at(out.vmi, "/spec/domain/devices/interfaces") == Json::parse(R"([{"name":"default","masquerade":{}}])"));
    CHECK(at(out.vmi, "/status/interfaces/0/podInterfaceName") == "eth0");
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].where == "vm.yaml:/spec/template/spec/domain/devices/interfaces/0");
    CHECK(out.diagnostics[0].message ==
          "the masquerade binding needs virt-handler to plumb the pod network, and standalone mode has none: the guest "
          "will have no network; leave out --no-passt to use passt");
    check_golden("data/vmi/cirros-test-no-passt.vmi.json", out.vmi.dump(2) + "\n");
}

TEST_CASE("passt replaces every pod-network binding and keeps other interface fields") {
    struct Case {
        const char* name;
        const char* interface_yaml;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"bridge", "{name: default, bridge: {}}", R"({"name":"default","passtBinding":{}})"},
        {"masquerade with ports", "{name: default, masquerade: {}, ports: [{port: 80}], model: e1000}",
         R"({"name":"default","passtBinding":{},"ports":[{"port":80}],"model":"e1000"})"},
        {"slirp (discontinued) is replaced too", "{name: default, slirp: {}}", R"({"name":"default","passtBinding":{}})"},
        {"no binding", "{name: default}", R"({"name":"default","passtBinding":{}})"},
        {"already passt", "{name: default, passtBinding: {}}", R"({"name":"default","passtBinding":{}})"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: net}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces: [)" + std::string(c.interface_yaml) + R"(]
      networks: [{name: default, pod: {}}]
)";
        auto out = expand(vm);
        CHECK(at(out.vmi, "/spec/domain/devices/interfaces/0") == Json::parse(c.expected));
        CHECK(at(out.vmi, "/status/interfaces") == Json::parse(R"([{"name":"default","podInterfaceName":"eth0"}])"));
    }
}

TEST_CASE("a VM without interfaces gets the default pod network, with passt; autoattachPodInterface false gets none") {
    const std::string bare = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: bare, namespace: lab}
spec:
  template:
    spec:
      domain: {devices: {}}
)";
    auto out = expand(bare);
    CHECK(at(out.vmi, "/metadata/namespace") == "lab");
    CHECK(at(out.vmi, "/spec/domain/devices/interfaces") == Json::parse(R"([{"name":"default","passtBinding":{}}])"));
    CHECK(at(out.vmi, "/spec/networks") == Json::parse(R"([{"name":"default","pod":{}}])"));
    // Without passt, KubeVirt's cluster default binding: bridge.
    CHECK(at(expand(bare, no_passt()).vmi, "/spec/domain/devices/interfaces/0/bridge") == Json::object());

    auto none = expand(R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: bare}
spec:
  template:
    spec:
      domain: {devices: {autoattachPodInterface: false}}
)");
    CHECK(at(none.vmi, "/spec/networks").is_null());
    CHECK(at(none.vmi, "/status/interfaces").is_null());
}

TEST_CASE("the output is byte-identical across runs and across input key order and format") {
    const std::string reordered = R"(
spec:
  template:
    spec:
      volumes:
      - containerDisk:
          image: quay.io/kubevirt/cirros-container-disk-demo:latest
        name: containerdisk
      networks:
      - pod: {}
        name: default
      domain:
        devices:
          interfaces:
          - masquerade: {}
            name: default
        resources:
          requests:
            cpu: 1
            memory: 128Mi
  running: true
metadata:
  name: cirros-test
kind: VirtualMachine
apiVersion: kubevirt.io/v1
)";
    const std::string as_json = yaml(kCirros).dump();
    const std::string first = expand(kCirros).vmi.dump();
    CHECK(expand(kCirros).vmi.dump() == first);
    CHECK(expand(reordered).vmi.dump() == first);
    CHECK(expand(as_json).vmi.dump() == first);
}

TEST_CASE("a VMI is expanded too: its status is recomputed and its own metadata kept") {
    auto out = expand(R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: direct
  uid: "1234"
  resourceVersion: "77"
  labels: {app: x}
spec:
  domain:
    devices: {}
    memory: {guest: 1Gi}
status:
  phase: Running
  interfaces: [{name: old, podInterfaceName: eth9}]
)");
    const Json& vmi = out.vmi;
    CHECK(at(vmi, "/metadata/uid") == "1234");
    CHECK(at(vmi, "/metadata/resourceVersion").is_null());
    CHECK(at(vmi, "/metadata/labels") == Json{{"app", "x"}});
    CHECK(at(vmi, "/metadata/ownerReferences").is_null());
    CHECK(at(vmi, "/spec/domain/firmware/uuid") == kvpod::kubevirt::legacy_firmware_uuid("direct"));
    CHECK(at(vmi, "/spec/domain/memory") == Json{{"guest", "1Gi"}, {"maxGuest", "4Gi"}});
    CHECK(at(vmi, "/status/phase").is_null());
    CHECK(at(vmi, "/status/interfaces") == Json::parse(R"([{"name":"default","podInterfaceName":"eth0"}])"));
}
