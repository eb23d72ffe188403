// SPDX-License-Identifier: Apache-2.0
// expand_vmi(): what standalone mode cannot do, KubeVirt's network rules,
// unknown fields and wrong types.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vmi_support.hpp"

using namespace kvpod::testing;
using kvpod::kubevirt::ConvertOptions;

namespace {

std::string vm_with(const std::string& template_spec, const std::string& vm_spec_extra = "") {
    return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: s}\nspec:\n" + vm_spec_extra +
           "  template:\n    spec: " + template_spec + "\n";
}

ConvertOptions no_passt() {
    ConvertOptions options;
    options.passt = false;
    return options;
}

const std::string kPrefix = "vm.yaml: unsupported in standalone mode: ";

}  // namespace

TEST_CASE("each unsupported source is named with its path and alternative") {
    struct Case {
        const char* template_spec;
        std::string item;
    };
    const std::string sp = "/spec/template/spec";
    const std::vector<Case> cases = {
        {"{domain: {devices: {}}, volumes: [{name: d, dataVolume: {name: dv, hotpluggable: true}}]}",
         sp + "/volumes/0/dataVolume/hotpluggable: a hotpluggable volume needs virt-handler; set hotpluggable: false"},
        {"{domain: {devices: {}}, volumes: [{name: c, serviceAccount: {serviceAccountName: default}}]}",
         sp + "/volumes/0/serviceAccount: a serviceAccount volume (a service account's token and CA) needs the "
              "Kubernetes API server, which issues them; remove the volume: standalone, no API server takes a token"},
        // downwardAPI: the Pod's name, namespace, labels and annotations work
        // (pod_render_test); what only Kubernetes knows is refused by field.
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: uid, fieldRef: {fieldPath: "
         "metadata.uid}}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/0/fieldRef/fieldPath: the Pod's metadata.uid needs the Kubernetes API "
              "server, which assigns it (Podman names its pod by an ID made at kube play); use metadata.name, the "
              "Pod's fixed name"},
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: labels, fieldRef: {fieldPath: "
         "metadata.labels}}, {path: node, fieldRef: {fieldPath: spec.nodeName}}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/1/fieldRef/fieldPath: the field 'spec.nodeName' needs Kubernetes "
              "(standalone, a downwardAPI volume gives metadata.name, metadata.namespace, metadata.labels and "
              "metadata.annotations, whole or one ['KEY']); remove the field, or pass the value with "
              "cloudInitNoCloud userData"},
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: ip, fieldRef: {fieldPath: "
         "status.podIP}}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/0/fieldRef/fieldPath: the field 'status.podIP' needs Kubernetes "
              "(standalone, a downwardAPI volume gives metadata.name, metadata.namespace, metadata.labels and "
              "metadata.annotations, whole or one ['KEY']); remove the field, or pass the value with "
              "cloudInitNoCloud userData"},
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: mem, resourceFieldRef: "
         "{containerName: compute, resource: limits.memory}}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/0/resourceFieldRef: the container resource 'limits.memory' needs the "
              "kubelet, which computes it from the container's resources and the node's capacity; write the value "
              "into the VM yourself (a configMap volume or cloudInitNoCloud userData)"},
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: meta/labels, fieldRef: "
         "{fieldPath: metadata.labels}}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/0/path: the file 'meta/labels' in a subdirectory needs Kubernetes' "
              "volume writer (podman kube play writes a ConfigMap's files only at the volume's top); name the file "
              "without '/'"},
        {"{domain: {devices: {}}, volumes: [{name: c, downwardAPI: {fields: [{path: x}]}}]}",
         sp + "/volumes/0/downwardAPI/fields/0: a file with neither fieldRef nor resourceFieldRef needs one of them; "
              "add a fieldRef, such as fieldPath: metadata.labels"},
        {"{domain: {devices: {}}, volumes: [{name: c, memoryDump: {claimName: dump}}]}",
         sp + "/volumes/0/memoryDump: a memoryDump volume needs virt-handler; remove the volume"},
        {"{domain: {devices: {}}, volumes: [{name: c, persistentVolumeClaim: {claimName: p, hotpluggable: true}}]}",
         sp + "/volumes/0/persistentVolumeClaim/hotpluggable: a hotpluggable volume needs virt-handler; set "
              "hotpluggable: false"},
        {"{domain: {devices: {interfaces: [{name: m, bridge: {}}]}}, networks: [{name: m, multus: {networkName: br}}]}",
         sp + "/networks/0/multus: a Multus network needs Multus, which Podman does not have; connect the VM to the "
              "pod network only, or use --no-passt to keep the network as written"},
        {"{domain: {devices: {interfaces: [{name: default, binding: {name: macvtap}}]}}, networks: [{name: default, pod: {}}]}",
         sp + "/domain/devices/interfaces/0/binding: the network binding plugin 'macvtap' needs its registration in "
              "the KubeVirt CR; use passtBinding (the default)"},
        {"{domain: {devices: {}}, accessCredentials: [{sshPublicKey: {source: {secret: {secretName: keys}}, "
         "propagationMethod: {qemuGuestAgent: {users: [root]}}}}]}",
         sp + "/accessCredentials/0/sshPublicKey/propagationMethod/qemuGuestAgent: SSH keys through the guest agent "
              "needs virt-launcher's agent credential manager, which kubevirt-vm-to-pod does not support; use "
              "propagationMethod noCloud or configDrive with a cloud-init volume"},
        {"{domain: {devices: {}}, accessCredentials: [{sshPublicKey: {source: {secret: {secretName: keys}}, "
         "propagationMethod: {noCloud: {}}}}]}",
         sp + "/accessCredentials/0/sshPublicKey/propagationMethod/noCloud: noCloud propagation needs a "
              "cloudInitNoCloud volume (its meta-data carries the keys); add a cloudInitNoCloud volume"},
        {"{domain: {devices: {}}, accessCredentials: [{userPassword: {source: {secret: {secretName: pw}}, "
         "propagationMethod: {qemuGuestAgent: {}}}}]}",
         sp + "/accessCredentials/0/userPassword: a userPassword access credential needs the guest agent's "
              "propagation; set the password in cloudInitNoCloud userData (chpasswd)"},
        {"{domain: {devices: {}}, volumes: [{name: c, cloudInitNoCloud: {secretRef: {name: ud}, "
         "networkDataSecretRef: {name: nd}}}]}",
         sp + "/volumes/0/cloudInitNoCloud/networkDataSecretRef: network data from another Secret than the user data "
              "needs Kubernetes' subPath mounts of keys a Secret may lack; put userdata and networkdata into one "
              "Secret and name it in both"},
        {"{domain: {devices: {gpus: [{name: g, claimName: c, requestName: r}]}}, resourceClaims: [{name: c}]}",
         sp + "/resourceClaims: resourceClaims needs Kubernetes dynamic resource allocation; remove them and name "
              "GPUs and host devices by deviceName | " + sp +
              "/domain/devices/gpus/0/claimName: a device from a resource claim needs Kubernetes dynamic resource "
              "allocation; name the device's resource in deviceName instead"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.template_spec);
        CHECK(expand_error(vm_with(c.template_spec)) == kPrefix + c.item);
    }
}

TEST_CASE("a Secret or ConfigMap the VM names but the user did not give: one error naming each and how to give it") {
    struct Case {
        const char* template_spec;
        std::string error;
    };
    const std::string sp = "/spec/template/spec";
    const std::string secret_how =
        "add its Kubernetes document (apiVersion: v1, kind: Secret) to the VM's file after a --- line, or give it "
        "with --secret-file FILE (or, for a Secret Podman already holds in kube play's form, --podman-secret NAME)";
    const std::vector<Case> cases = {
        {"{domain: {devices: {}}, volumes: [{name: c, configMap: {name: cm}}]}",
         "names the ConfigMap 'cm' (" + sp + "/volumes/0/configMap/name), which is not given; add its Kubernetes "
         "document (apiVersion: v1, kind: ConfigMap) to the VM's file after a --- line, or give it with "
         "--configmap-file FILE"},
        {"{domain: {devices: {}}, volumes: [{name: c, secret: {secretName: s}}]}",
         "names the Secret 's' (" + sp + "/volumes/0/secret/secretName), which is not given; " + secret_how},
        {"{domain: {devices: {}}, volumes: [{name: c, cloudInitNoCloud: {secretRef: {name: ud}}}]}",
         "names the Secret 'ud' (" + sp + "/volumes/0/cloudInitNoCloud/secretRef/name), which is not given; " +
             secret_how},
        {"{domain: {devices: {}}, volumes: [{name: c, sysprep: {secret: {name: unattend}}}, {name: d, configMap: "
         "{name: cm}}]}",
         "names the Secret 'unattend' (" + sp + "/volumes/0/sysprep/secret/name), the ConfigMap 'cm' (" + sp +
             "/volumes/1/configMap/name), which are not given; add its Kubernetes document (apiVersion: v1, kind: "
             "Secret or ConfigMap) to the VM's file after a --- line, or give it with --secret-file FILE or "
             "--configmap-file FILE (or, for a Secret Podman already holds in kube play's form, --podman-secret "
             "NAME)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.template_spec);
        CHECK(expand_error(vm_with(c.template_spec)) == "vm.yaml: " + c.error);
    }
}

TEST_CASE("all unsupported sources come in one error") {
    // dataVolumeTemplates and dataVolume volumes are supported: the Pod fills
    // them with CDI's importer (tests/unit/datavolume_test.cpp).
    CHECK_NOTHROW(expand(example("vm-alpine-datavolume.yaml")));
    CHECK(expand_error(example("vmi-sriov.yaml")) ==
          kPrefix +
              "/spec/networks/1/multus: a Multus network needs Multus, which Podman does not have; connect the VM to "
              "the pod network only, or use --no-passt to keep the network as written | "
              "/spec/domain/devices/interfaces/1/sriov: an SR-IOV interface needs Multus and the SR-IOV device "
              "plugin; pass the VF through as a hostDevice");
}

TEST_CASE("with --no-passt a Multus network is kept with a warning and its hashed pod interface name") {
    auto out = expand(example("vmi-multus-multiple-net.yaml"), no_passt());
    CHECK(at(out.vmi, "/status/interfaces") == Json::parse(R"([
        {"name":"default","podInterfaceName":"eth0"},
        {"name":"ptp","podInterfaceName":"pode31d7ce2712"}])"));
    REQUIRE(out.diagnostics.size() == 2);
    CHECK(out.diagnostics[0].where == "vm.yaml:/spec/networks/1/multus");
    CHECK(out.diagnostics[0].message == "Podman has no Multus: the pod will have no interface 'pode31d7ce2712' for this network");
    CHECK(out.diagnostics[1].where == "vm.yaml:/spec/domain/devices/interfaces/0");
}

TEST_CASE("features that only lose something standalone are warnings") {
    auto out = expand(vm_with(R"({domain: {devices: {autoattachVSOCK: true, downwardMetrics: {}},
        cpu: {dedicatedCpuPlacement: true}}, volumes: [{name: m, downwardMetrics: {}}]})",
                              "  instancetype: {name: it, revisionName: it-rev-1}\n"),
                      {}, std::string("apiVersion: instancetype.kubevirt.io/v1beta1\nkind: VirtualMachineClusterInstancetype\n"
                                      "metadata: {name: it}\nspec: {cpu: {guest: 1}, memory: {guest: 1Gi}}\n"));
    std::vector<std::string> got;
    for (const auto& d : out.diagnostics) got.push_back(d.where + " | " + d.message);
    const std::vector<std::string> expected = {
        "vm.yaml:/spec/instancetype/revisionName | revisionName names a ControllerRevision in the cluster; the "
        "instancetype from --instancetype-file is used instead",
        "vm.yaml:/spec/template/spec/volumes/0/downwardMetrics | virt-handler writes the downward metrics; standalone "
        "the metrics disk stays empty",
        "vm.yaml:/spec/template/spec/domain/devices/autoattachVSOCK | vsock needs a CID that virt-controller assigns; "
        "standalone the VM gets no vsock device",
        "vm.yaml:/spec/template/spec/domain/devices/downwardMetrics | virt-handler serves the downward metrics; "
        "standalone the guest reads none",
        "vm.yaml:/spec/template/spec/domain/cpu/dedicatedCpuPlacement | dedicated CPUs come from the Kubernetes CPU "
        "manager; standalone, give the pod its CPUs yourself (podman --cpuset-cpus)",
    };
    CHECK(got == expected);
}

TEST_CASE("the passt binding plugin becomes the core passtBinding; other plugins and --no-passt keep it unsupported") {
    const std::string vm = vm_with(
        "{domain: {devices: {interfaces: [{name: default, binding: {name: passt}}]}}, networks: [{name: default, pod: {}}]}");
    auto out = expand(vm);
    CHECK(at(out.vmi, "/spec/domain/devices/interfaces/0") == Json::parse(R"({"name":"default","passtBinding":{}})"));
    REQUIRE(out.diagnostics.size() == 1);
    CHECK(out.diagnostics[0].message == "the passt network binding plugin is replaced by KubeVirt v1.8's core passtBinding");
    CHECK(expand_error(vm, no_passt()) ==
          kPrefix + "/spec/template/spec/domain/devices/interfaces/0/binding: the network binding plugin 'passt' needs "
                    "its registration in the KubeVirt CR; use passtBinding (the default)");
}

TEST_CASE("KubeVirt's network rules are checked instead of renaming interfaces") {
    struct Case {
        const char* name;
        const char* template_spec;
        bool passt;
        std::string problems;
    };
    const std::string sp = "/spec/template/spec";
    const std::vector<Case> cases = {
        {"two pod networks", "{domain: {devices: {interfaces: [{name: a}, {name: b}]}}, networks: [{name: a, pod: {}}, {name: b, pod: {}}]}",
         true, sp + "/networks: more than one network is a pod network (" + sp + "/networks/0, " + sp +
                   "/networks/1); only one interface may connect to the pod network"},
        {"an interface without network", "{domain: {devices: {interfaces: [{name: default}, {name: extra}]}}, networks: [{name: default, pod: {}}]}",
         true, sp + "/domain/devices/interfaces/1/name: interface 'extra' has no network of that name"},
        {"a network without interface", "{domain: {devices: {interfaces: [{name: default}]}}, networks: [{name: default, pod: {}}, {name: spare, pod: {}}]}",
         true, sp + "/networks/1: network 'spare' has no interface of that name | " + sp +
                   "/networks: more than one network is a pod network (" + sp + "/networks/0, " + sp +
                   "/networks/1); only one interface may connect to the pod network"},
        {"a repeated interface", "{domain: {devices: {interfaces: [{name: default}, {name: default}]}}, networks: [{name: default, pod: {}}]}",
         true, sp + "/domain/devices/interfaces/1/name: interface name 'default' is used twice; only one interface can "
                    "be connected to one network"},
        {"passt on a Multus network", R"({domain: {devices: {interfaces: [{name: default, passtBinding: {}}, {name: m, passtBinding: {}}]}},
            networks: [{name: default, pod: {}}, {name: m, multus: {networkName: br}}]})",
         false, sp + "/domain/devices/interfaces/1/passtBinding: PasstBinding interface only implemented with pod network"},
        {"masquerade on a Multus network", R"({domain: {devices: {interfaces: [{name: m, masquerade: {}}]}},
            networks: [{name: m, multus: {networkName: br}}]})",
         false, sp + "/domain/devices/interfaces/0/masquerade: Masquerade interface only implemented with pod network"},
        {"discontinued bindings", R"({domain: {devices: {interfaces: [{name: default, slirp: {}}]}},
            networks: [{name: default, pod: {}}]})",
         false, sp + "/domain/devices/interfaces/0/slirp: Slirp interface support has been discontinued since v1.3"},
        {"two sources", R"({domain: {devices: {interfaces: [{name: default, bridge: {}}]}},
            networks: [{name: default, pod: {}, multus: {networkName: br}}]})",
         false, sp + "/networks/0: network 'default' has both pod and multus; keep one"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        ConvertOptions options;
        options.passt = c.passt;
        CHECK(expand_error(vm_with(c.template_spec), options) ==
              "vm.yaml: invalid network configuration: " + c.problems +
                  "; KubeVirt allows one interface per network and one interface on the pod network");
    }
}

TEST_CASE("unknown fields are warnings with their path and are left out of the VMI") {
    auto out = expand(vm_with(R"({domain: {devices: {interfaces: [{name: default, masqurade: {}, portRanges: []}]},
        memroy: {guest: 1Gi}, cpu: {cores: 2, frobnicate: true}}, networks: [{name: default, pod: {}}]})",
                              "  runStategy: Always\n"));
    std::vector<std::string> got;
    for (const auto& d : out.diagnostics) got.push_back(d.where + " | " + d.message);
    const std::vector<std::string> expected = {
        "vm.yaml:/spec/runStategy | unknown field 'runStategy', ignored (did you mean 'runStrategy'?)",
        "vm.yaml:/spec/template/spec/domain/cpu/frobnicate | unknown field 'frobnicate', ignored",
        "vm.yaml:/spec/template/spec/domain/devices/interfaces/0/masqurade | unknown field 'masqurade', ignored (did "
        "you mean 'masquerade'?)",
        "vm.yaml:/spec/template/spec/domain/devices/interfaces/0/portRanges | field 'portRanges' is newer than "
        "KubeVirt v1.8, ignored",
        "vm.yaml:/spec/template/spec/domain/memroy | unknown field 'memroy', ignored (did you mean 'memory'?)",
    };
    CHECK(got == expected);
    CHECK(at(out.vmi, "/spec/domain/memroy").is_null());
    CHECK(at(out.vmi, "/spec/domain/memory") == Json::object());  // the misspelt guest memory is not used
    CHECK(at(out.vmi, "/spec/domain/devices/interfaces/0") == Json::parse(R"({"name":"default","passtBinding":{}})"));
    CHECK(at(out.vmi, "/spec/domain/cpu/frobnicate").is_null());

    // In an instancetype too.
    const std::string typed = vm_with("{domain: {devices: {}}}", "  instancetype: {name: it}\n");
    auto typed_out = expand(typed, {}, std::string("apiVersion: instancetype.kubevirt.io/v1beta1\nkind: "
                                                   "VirtualMachineClusterInstancetype\nmetadata: {name: it}\nspec: "
                                                   "{cpu: {guest: 1, sockets: 2}, memory: {guest: 1Gi}}\n"));
    REQUIRE(typed_out.diagnostics.size() == 1);
    CHECK(typed_out.diagnostics[0].where == "it.yaml:/spec/cpu/sockets");
    CHECK(typed_out.diagnostics[0].message == "unknown field 'sockets', ignored");
}

TEST_CASE("values of the wrong type are errors with their path") {
    struct Case {
        const char* template_spec;
        const char* error;
    };
    const std::string fix = "; write each value with the type KubeVirt's API defines";
    const std::vector<Case> cases = {
        {"{domain: {devices: {}, cpu: {cores: '2'}}}",
         "vm.yaml:/spec/template/spec/domain/cpu/cores: expected an integer, found a string ('2')"},
        {"{domain: {devices: {}, memory: {guest: lots}}}",
         "vm.yaml:/spec/template/spec/domain/memory/guest: expected a quantity such as 128Mi, found a string ('lots')"},
        {"{domain: {devices: {autoattachPodInterface: 'no'}}}",
         "vm.yaml:/spec/template/spec/domain/devices/autoattachPodInterface: expected true or false, found a string ('no')"},
        {"{domain: {devices: {disks: {name: d}}}}",
         "vm.yaml:/spec/template/spec/domain/devices/disks: expected a list, found an object"},
        {"{domain: {devices: {}, cpu: {sockets: 1.5, threads: [1]}}}",
         "vm.yaml: values of the wrong type: /spec/template/spec/domain/cpu/sockets: expected an integer, found a "
         "number (1.5) | /spec/template/spec/domain/cpu/threads: expected an integer, found a list"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.template_spec);
        CHECK(expand_error(vm_with(c.template_spec)) == c.error + fix);
    }
    const std::string labelled =
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: s, labels: {version: 1.0}}\n"
        "spec: {template: {spec: {domain: {devices: {}}}}}\n";
    CHECK(expand_error(labelled) == "vm.yaml:/metadata/labels/version: expected a string, found a number (1.0)" + fix);
}

TEST_CASE("documents that are no VM or VMI, and YAML errors with line and column") {
    CHECK(expand_error(example("vm-pool-cirros.yaml")) ==
          "vm.yaml: document is pool.kubevirt.io/v1beta1 VirtualMachinePool, not a kubevirt.io VirtualMachine or "
          "VirtualMachineInstance; give a KubeVirt VM or VMI as YAML or JSON");
    std::string error = error_of([] { yaml("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nspec: {template: [\n", "vm.yaml"); });
    CHECK(error.rfind("vm.yaml:4:", 0) == 0);
}
