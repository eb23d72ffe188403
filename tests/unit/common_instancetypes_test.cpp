// SPDX-License-Identifier: Apache-2.0
// KubeVirt's common instancetypes and preferences embedded in the converter
// (data/common-instancetypes, the bundle KubeVirt v1.8 deploys) and a VM that
// names them without giving their YAML.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/kubevirt/common_instancetypes.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
namespace bundle = kvpod::kubevirt::common_instancetypes;

namespace {

std::vector<Json> bundle_file(const std::string& name) {
    const std::string path = data_dir() + "/../data/common-instancetypes/" + name;
    kvpod::document::Limits limits;
    limits.max_bytes = 16 * 1024 * 1024;
    return kvpod::document::parse_yaml_stream(read_file(path), path, limits);
}

/// The VM of tests/data/vm2pod/fedora-u1-medium-vm.yaml: u1.medium and
/// fedora by name only (KubeVirt's default kinds: the cluster ones).
std::string fedora_medium_vm(const std::string& instancetype = "{name: u1.medium}",
                             const std::string& preference = "{name: fedora}") {
    return R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: fedora-medium}
spec:
  instancetype: )" + instancetype + R"(
  preference: )" + preference + R"(
  template:
    spec:
      domain:
        devices:
          disks: [{name: rootdisk}]
          interfaces: [{name: default, masquerade: {}, ports: [{port: 22}]}]
      networks: [{name: default, pod: {}}]
      volumes: [{name: rootdisk, containerDisk: {image: quay.io/containerdisks/fedora:41}}]
)";
}

/// A document of the bundle files as YAML text, to give with a flag.
std::string bundle_document(const std::string& file, const std::string& name) {
    for (const Json& doc : bundle_file(file))
        if (doc["metadata"]["name"] == name) return doc.dump();
    FAIL("no " << name << " in " << file);
    return {};
}

}  // namespace

TEST_CASE("the embedded bundle is data/common-instancetypes, document by document") {
    CHECK(bundle::version() == "v1.6.0");
    struct Case {
        bundle::Kind kind;
        const char* file;
        const char* kind_name;
        std::size_t count;
    };
    for (const auto& c : std::vector<Case>{
             {bundle::Kind::Instancetype, "common-clusterinstancetypes-bundle.yaml", "VirtualMachineClusterInstancetype", 65},
             {bundle::Kind::Preference, "common-clusterpreferences-bundle.yaml", "VirtualMachineClusterPreference", 54},
         }) {
        CAPTURE(c.file);
        const auto docs = bundle_file(c.file);
        REQUIRE(docs.size() == c.count);
        CHECK(bundle::count(c.kind) == c.count);
        const auto names = bundle::names(c.kind);
        CHECK(names.size() == c.count);
        CHECK(std::is_sorted(names.begin(), names.end()));
        CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
        for (const Json& doc : docs) {
            const std::string name = doc["metadata"]["name"];
            CAPTURE(name);
            CHECK(doc["metadata"]["labels"]["instancetype.kubevirt.io/common-instancetypes-version"] == "v1.6.0");
            auto found = bundle::find(c.kind, name);
            REQUIRE(found.has_value());
            CHECK(*found == Json{{"apiVersion", "instancetype.kubevirt.io/v1beta1"},
                                 {"kind", c.kind_name},
                                 {"metadata", {{"name", name}}},
                                 {"spec", doc["spec"]}});
        }
        CHECK_FALSE(bundle::find(c.kind, "u1.mediun").has_value());
        CHECK_FALSE(bundle::find(c.kind, "").has_value());
        CHECK_FALSE(bundle::find(c.kind, "zzz").has_value());
    }
    // Each kind's lookup sees its own documents only.
    CHECK_FALSE(bundle::find(bundle::Kind::Instancetype, "fedora").has_value());
    CHECK_FALSE(bundle::find(bundle::Kind::Preference, "u1.medium").has_value());
}

TEST_CASE("u1.medium with fedora converts without files, as KubeVirt v1.8 expands it") {
    auto out = expand(fedora_medium_vm());
    const Json& vmi = out.vmi;
    // The expected values come from the bundle (u1.medium: cpu.guest 1,
    // memory.guest 4Gi; fedora: annotations vm.kubevirt.io/os linux,
    // preferredDiskBus virtio, preferredInterfaceModel virtio, preferredRng {},
    // preferredSmm {}, preferredEfi {secureBoot: true}, requirements 1 CPU,
    // 2Gi) and KubeVirt's code:
    //  - pkg/instancetype/apply/cpu.go applyGuestCPUTopology: 1 vCPU is
    //    sockets = cores = threads = 1 whatever the preferred topology; the
    //    VMI webhook with the LiveUpdate rollout: maxSockets = 1 x 4;
    CHECK(at(vmi, "/spec/domain/cpu") ==
          Json::parse(R"({"sockets":1,"cores":1,"threads":1,"maxSockets":4,"model":"host-model"})"));
    //  - apply/memory.go: memory.guest; maxGuest = 4 x guest (LiveUpdate);
    //    no overcommitPercent: no memory request;
    CHECK(at(vmi, "/spec/domain/memory") == Json::parse(R"({"guest":"4Gi","maxGuest":"16Gi"})"));
    CHECK(at(vmi, "/spec/domain/resources") == Json::object());
    //  - preference/apply/device.go: a disk without a bus gets
    //    preferredDiskBus, an interface without a model preferredInterfaceModel,
    //    a VM without rng preferredRng;
    CHECK(at(vmi, "/spec/domain/devices/disks/0/disk") == Json{{"bus", "virtio"}});
    CHECK(at(vmi, "/spec/domain/devices/interfaces/0/model") == "virtio");
    CHECK(at(vmi, "/spec/domain/devices/rng") == Json::object());
    //  - preference/apply/features.go: SMM from preferredSmm, enabled by the
    //    API's SetDefaults_FeatureState; ACPI by the VMI defaults;
    CHECK(at(vmi, "/spec/domain/features") == Json::parse(R"({"acpi":{"enabled":true},"smm":{"enabled":true}})"));
    //  - preference/apply/firmware.go: no bootloader in the VM, so EFI is a
    //    copy of preferredEfi;
    CHECK(at(vmi, "/spec/domain/firmware/bootloader") == Json::parse(R"({"efi":{"secureBoot":true}})"));
    //  - preference/apply/annotations.go and the VM controller: the
    //    preference's annotations and the names of both cluster objects.
    CHECK(at(vmi, "/metadata/annotations") == Json::parse(R"({
        "kubevirt.io/cluster-instancetype-name": "u1.medium",
        "kubevirt.io/cluster-preference-name": "fedora",
        "kubevirt.io/pci-topology-version": "v3",
        "vm.kubevirt.io/os": "linux"})"));
    CHECK(at(vmi, "/status/memory/guestAtBoot") == "4Gi");
    CHECK(out.diagnostics.empty());

    // Giving the same documents with the flags changes nothing.
    auto given = expand(fedora_medium_vm(), {},
                        bundle_document("common-clusterinstancetypes-bundle.yaml", "u1.medium"),
                        bundle_document("common-clusterpreferences-bundle.yaml", "fedora"));
    CHECK(given.vmi == vmi);
    // The kind spelt out, as kubectl writes it, is the same.
    auto spelt = expand(fedora_medium_vm("{kind: VirtualMachineClusterInstancetype, name: u1.medium}",
                                         "{kind: virtualmachineclusterpreferences, name: fedora}"));
    CHECK(spelt.vmi == vmi);
}

TEST_CASE("--instancetype-file and --preference-file override the bundle's documents of the same name") {
    const std::string own_instancetype = "apiVersion: instancetype.kubevirt.io/v1beta1\n"
                                         "kind: VirtualMachineClusterInstancetype\n"
                                         "metadata: {name: u1.medium}\n"
                                         "spec: {cpu: {guest: 2}, memory: {guest: 3Gi}}\n";
    const std::string own_preference = "apiVersion: instancetype.kubevirt.io/v1beta1\n"
                                       "kind: VirtualMachineClusterPreference\n"
                                       "metadata: {name: fedora}\n"
                                       "spec: {devices: {preferredDiskBus: sata}}\n";
    auto instancetype_only = expand(fedora_medium_vm(), {}, own_instancetype);
    CHECK(at(instancetype_only.vmi, "/spec/domain/cpu/sockets") == 2);
    CHECK(at(instancetype_only.vmi, "/spec/domain/memory/guest") == "3Gi");
    CHECK(at(instancetype_only.vmi, "/spec/domain/firmware/bootloader/efi/secureBoot") == true);  // bundled fedora

    auto preference_only = expand(fedora_medium_vm(), {}, std::nullopt, own_preference);
    CHECK(at(preference_only.vmi, "/spec/domain/memory/guest") == "4Gi");  // bundled u1.medium
    CHECK(at(preference_only.vmi, "/spec/domain/devices/disks/0/disk/bus") == "sata");
    CHECK(at(preference_only.vmi, "/spec/domain/firmware/bootloader") == Json());
}

TEST_CASE("a cluster instancetype or preference the bundle lacks: how to give one") {
    struct Case {
        const char* instancetype;
        const char* preference;
        const char* error;
    };
    for (const auto& c : std::vector<Case>{
             {"{name: u1.mediun}", "{name: fedora}",
              "vm.yaml:/spec/instancetype/name: the VM references VirtualMachineClusterInstancetype 'u1.mediun' but "
              "no instancetype was given and KubeVirt's common instancetypes (v1.6.0) have none of that name; give its "
              "YAML with --instancetype-file or as another document of the VM's file, or name one of common-instancetypes "
              "v1.6.0's instancetypes: u1.2xlarge, u1.2xmedium, u1.4xlarge, u1.8xlarge, u1.large, u1.medium, u1.micro, "
              "u1.nano, u1.small, u1.xlarge"},
             {"{kind: VirtualMachineClusterInstancetype, name: z9.huge}", "{name: fedora}",
              "vm.yaml:/spec/instancetype/name: the VM references VirtualMachineClusterInstancetype 'z9.huge' but no "
              "instancetype was given and KubeVirt's common instancetypes (v1.6.0) have none of that name; give its YAML "
              "with --instancetype-file or as another document of the VM's file, or name one of common-instancetypes "
              "v1.6.0's instancetypes: of the families cx1.*, d1.*, m1.*, n1.*, o1.*, rt1.*, u1.*"},
             {"{name: u1.medium}", "{name: fedora.riscv64}",
              "vm.yaml:/spec/preference/name: the VM references VirtualMachineClusterPreference 'fedora.riscv64' but "
              "no preference was given and KubeVirt's common preferences (v1.6.0) have none of that name; give its YAML "
              "with --preference-file or as another document of the VM's file, or name one of common-instancetypes "
              "v1.6.0's preferences: fedora, fedora.arm64, fedora.s390x"},
             {"{name: u1.medium}", "{name: plan9}",
              "vm.yaml:/spec/preference/name: the VM references VirtualMachineClusterPreference 'plan9' but no "
              "preference was given and KubeVirt's common preferences (v1.6.0) have none of that name; give its YAML "
              "with --preference-file or as another document of the VM's file, or name one of common-instancetypes "
              "v1.6.0's preferences: of the families alpine, centos.*, cirros, debian, fedora.*, legacy, linux.*, "
              "opensuse.*, oraclelinux, rhel.*, sles, ubuntu, windows.*"},
             // The bundle has cluster objects only: a namespaced one must be given.
             {"{kind: VirtualMachineInstancetype, name: u1.medium}", "{name: fedora}",
              "vm.yaml:/spec/instancetype: the VM references VirtualMachineInstancetype 'u1.medium' but no "
              "instancetype was given; give its YAML with --instancetype-file"},
         }) {
        CAPTURE(c.instancetype);
        CAPTURE(c.preference);
        CHECK(expand_error(fedora_medium_vm(c.instancetype, c.preference)) == c.error);
    }
}
