// SPDX-License-Identifier: Apache-2.0
// expand_vmi(): instancetypes and preferences (pkg/instancetype in KubeVirt v1.8).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vmi_support.hpp"

using namespace kvpod::testing;

namespace {

/// A VM that references instancetype "it" and, when `with_preference`,
/// preference "pref" (both namespaced), with `domain` as its domain.
std::string typed_vm(const std::string& domain = "{devices: {}}", bool with_preference = true,
                     const std::string& extra_template_spec = "") {
    return R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: typed}
spec:
  instancetype: {kind: VirtualMachineInstancetype, name: it}
)" + std::string(with_preference ? "  preference: {kind: VirtualMachinePreference, name: pref}\n" : "") +
           R"(  template:
    spec:
      domain: )" + domain + "\n" + extra_template_spec;
}

/// A VM with a preference only.
std::string preferred_vm(const std::string& domain, const std::string& extra_template_spec = "") {
    return R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: preferred}
spec:
  preference: {kind: VirtualMachinePreference, name: pref}
  template:
    spec:
      domain: )" + domain + "\n" + extra_template_spec;
}

std::string instancetype(const std::string& spec, const std::string& kind = "VirtualMachineInstancetype",
                         const std::string& name = "it") {
    return "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: " + kind + "\nmetadata: {name: " + name +
           "}\nspec: " + spec + "\n";
}

std::string preference(const std::string& spec, const std::string& kind = "VirtualMachinePreference",
                        const std::string& name = "pref") {
    return "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: " + kind + "\nmetadata: {name: " + name +
           "}\nspec: " + spec + "\n";
}

}  // namespace

TEST_CASE("the instancetype's vCPUs follow the preference's preferredCPUTopology") {
    struct Case {
        int guest;
        const char* preference_spec;  // null: no preference
        const char* cpu;              // expected spec.domain.cpu (model and maxSockets included)
    };
    const std::vector<Case> cases = {
        {4, nullptr, R"({"sockets":4,"cores":1,"threads":1,"maxSockets":16,"model":"host-model"})"},
        {4, "{cpu: {preferredCPUTopology: sockets}}", R"({"sockets":4,"cores":1,"threads":1,"maxSockets":16,"model":"host-model"})"},
        {4, "{cpu: {preferredCPUTopology: cores}}", R"({"sockets":1,"cores":4,"threads":1,"maxSockets":4,"model":"host-model"})"},
        {4, "{cpu: {preferredCPUTopology: threads}}", R"({"sockets":1,"cores":1,"threads":4,"maxSockets":4,"model":"host-model"})"},
        {4, "{cpu: {preferredCPUTopology: any}}", R"({"sockets":4,"cores":1,"threads":1,"maxSockets":16,"model":"host-model"})"},
        {4, "{cpu: {preferredCPUTopology: preferCores}}", R"({"sockets":1,"cores":4,"threads":1,"maxSockets":4,"model":"host-model"})"},
        {8, "{cpu: {preferredCPUTopology: spread}}", R"({"sockets":4,"cores":2,"threads":1,"maxSockets":16,"model":"host-model"})"},
        {8, "{cpu: {preferredCPUTopology: spread, spreadOptions: {across: CoresThreads}}}",
         R"({"sockets":1,"cores":4,"threads":2,"maxSockets":4,"model":"host-model"})"},
        {8, "{cpu: {preferredCPUTopology: spread, spreadOptions: {across: SocketsCoresThreads}}}",
         R"({"sockets":2,"cores":2,"threads":2,"maxSockets":8,"model":"host-model"})"},
        {12, "{cpu: {preferredCPUTopology: spread, spreadOptions: {ratio: 3}}}",
         R"({"sockets":4,"cores":3,"threads":1,"maxSockets":16,"model":"host-model"})"},
        {8, "{preferSpreadSocketToCoreRatio: 4, cpu: {preferredCPUTopology: preferSpread}}",
         R"({"sockets":2,"cores":4,"threads":1,"maxSockets":8,"model":"host-model"})"},
        {1, "{cpu: {preferredCPUTopology: cores}}", R"({"sockets":1,"cores":1,"threads":1,"maxSockets":4,"model":"host-model"})"},
        // 200 sockets × 4 = 800 > 512 vCPUs: maxSockets is cut to 512, not below sockets.
        {200, nullptr, R"({"sockets":200,"cores":1,"threads":1,"maxSockets":512,"model":"host-model"})"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.guest);
        CAPTURE(c.preference_spec ? c.preference_spec : "(none)");
        const std::string it = instancetype("{cpu: {guest: " + std::to_string(c.guest) + "}, memory: {guest: 1Gi}}");
        auto out = c.preference_spec
                       ? expand(typed_vm(), {}, it, preference(c.preference_spec))
                       : expand(typed_vm("{devices: {}}", false), {}, it);
        CHECK(at(out.vmi, "/spec/domain/cpu") == Json::parse(c.cpu));
        const Json& cpu = out.vmi["spec"]["domain"]["cpu"];
        CHECK(at(out.vmi, "/status/currentCPUTopology") ==
              Json{{"sockets", cpu["sockets"]}, {"cores", cpu["cores"]}, {"threads", cpu["threads"]}});
    }
}

TEST_CASE("the instancetype's memory, overcommitPercent, maxGuest and hugepages") {
    struct Case {
        const char* memory;  // instancetype spec.memory
        const char* expected_memory;
        const char* expected_request;  // null: none
    };
    // Requests are KubeVirt's float32 arithmetic: int64(float32(guest) * (1 - float32(pct)/100)).
    const std::vector<Case> cases = {
        {"{guest: 1Gi}", R"({"guest":"1Gi","maxGuest":"4Gi"})", nullptr},
        {"{guest: 1Gi, overcommitPercent: 50}", R"({"guest":"1Gi","maxGuest":"4Gi"})", "512Mi"},
        {"{guest: 2Gi, overcommitPercent: 10}", R"({"guest":"2Gi","maxGuest":"8Gi"})", "1932735232"},
        {"{guest: 3G, overcommitPercent: 25}", R"({"guest":"3G"})", "2249999872"},  // 3G is not 2Mi-aligned: no hotplug
        {"{guest: 128Mi, overcommitPercent: 33}", R"({"guest":"128Mi"})", "89925872"},
        {"{guest: 2Gi, maxGuest: 6Gi}", R"({"guest":"2Gi","maxGuest":"6Gi"})", nullptr},
        {"{guest: 4Gi, hugepages: {pageSize: 1Gi}}", R"({"guest":"4Gi","maxGuest":"16Gi","hugepages":{"pageSize":"1Gi"}})",
         nullptr},
        {"{guest: 1024Mi}", R"({"guest":"1Gi","maxGuest":"4Gi"})", nullptr},  // canonical form
    };
    for (const auto& c : cases) {
        CAPTURE(c.memory);
        auto out = expand(typed_vm("{devices: {}}", false), {},
                          instancetype(std::string("{cpu: {guest: 1}, memory: ") + c.memory + "}"));
        CHECK(at(out.vmi, "/spec/domain/memory") == Json::parse(c.expected_memory));
        CHECK(at(out.vmi, "/spec/domain/resources/requests/memory") == (c.expected_request ? Json(c.expected_request) : Json()));
        CHECK(at(out.vmi, "/status/memory/guestAtBoot") == at(out.vmi, "/spec/domain/memory/guest"));
    }
}

TEST_CASE("the instancetype copies its other fields and annotations; KubeVirt's name annotations are set") {
    auto out = expand(typed_vm("{devices: {}}", false), {}, instancetype(R"({cpu: {guest: 2, model: Haswell, dedicatedCPUPlacement: true,
        isolateEmulatorThread: true}, memory: {guest: 2Gi}, nodeSelector: {disk: ssd}, schedulerName: special,
        ioThreadsPolicy: auto, ioThreads: {supplementalPoolThreadCount: 2},
        gpus: [{name: gpu1, deviceName: nvidia.com/TU104GL_Tesla_T4}],
        hostDevices: [{name: hd1, deviceName: example.com/dev}], annotations: {team: blue}})"));
    const Json& spec = out.vmi["spec"];
    CHECK(at(spec, "/domain/cpu/model") == "Haswell");
    CHECK(at(spec, "/domain/cpu/dedicatedCpuPlacement") == true);
    CHECK(at(spec, "/domain/cpu/isolateEmulatorThread") == true);
    CHECK(at(spec, "/nodeSelector") == Json{{"disk", "ssd"}});
    CHECK(at(spec, "/schedulerName") == "special");
    CHECK(at(spec, "/domain/ioThreadsPolicy") == "auto");
    CHECK(at(spec, "/domain/ioThreads") == Json{{"supplementalPoolThreadCount", 2}});
    CHECK(at(spec, "/domain/devices/gpus") == Json::parse(R"([{"name":"gpu1","deviceName":"nvidia.com/TU104GL_Tesla_T4"}])"));
    CHECK(at(spec, "/domain/devices/hostDevices") == Json::parse(R"([{"name":"hd1","deviceName":"example.com/dev"}])"));
    CHECK(at(out.vmi, "/metadata/annotations/team") == "blue");
    CHECK(at(out.vmi, "/metadata/annotations/kubevirt.io~1instancetype-name") == "it");
}

TEST_CASE("instancetype and preference name annotations follow the matcher's kind") {
    struct Case {
        const char* it_kind;   // in the VM
        const char* doc_kind;  // of the document
        const char* annotation;
    };
    const std::vector<Case> cases = {
        {"VirtualMachineInstancetype", "VirtualMachineInstancetype", "kubevirt.io/instancetype-name"},
        {"virtualmachineinstancetypes", "VirtualMachineInstancetype", "kubevirt.io/instancetype-name"},
        {"VirtualMachineClusterInstancetype", "VirtualMachineClusterInstancetype", "kubevirt.io/cluster-instancetype-name"},
        {"\"\"", "VirtualMachineClusterInstancetype", "kubevirt.io/cluster-instancetype-name"},  // empty kind: cluster
    };
    for (const auto& c : cases) {
        CAPTURE(c.it_kind);
        std::string vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: k}
spec:
  instancetype: {kind: )" + std::string(c.it_kind) + R"(, name: it}
  preference: {name: p}
  template: {spec: {domain: {devices: {}}}}
)";
        auto out = expand(vm, {}, instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}", c.doc_kind),
                          preference("{}", "VirtualMachineClusterPreference", "p"));
        CHECK(at(out.vmi, "/metadata/annotations") == Json{{c.annotation, "it"},
                                                           {"kubevirt.io/cluster-preference-name", "p"},
                                                           {"kubevirt.io/pci-topology-version", "v3"}});
    }
}

TEST_CASE("instancetype conflicts are one error with every field, in KubeVirt's text") {
    struct Case {
        const char* name;
        std::string vm;
        const char* instancetype_spec;
        const char* fields;
    };
    const std::vector<Case> cases = {
        {"CPU and memory", typed_vm(R"({devices: {}, cpu: {sockets: 2, cores: 2}, memory: {guest: 1Gi},
            resources: {requests: {cpu: 2, memory: 1Gi}}})", false),
         "{cpu: {guest: 2}, memory: {guest: 2Gi}}",
         "spec.template.spec.domain.resources.requests.cpu, spec.template.spec.domain.cpu.sockets, "
         "spec.template.spec.domain.cpu.cores, spec.template.spec.domain.memory.guest"},
        {"only the first memory conflict", typed_vm("{devices: {}, resources: {limits: {memory: 1Gi}, requests: {memory: 1Gi}}}", false),
         "{cpu: {guest: 2}, memory: {guest: 2Gi}}", "spec.template.spec.domain.resources.requests.memory"},
        {"model, placement and the rest", typed_vm(R"({devices: {gpus: [{name: g, deviceName: a/b}]}, cpu: {model: Haswell,
            dedicatedCpuPlacement: true}, launchSecurity: {}, ioThreadsPolicy: shared})", false, "      nodeSelector: {a: b}\n      schedulerName: x\n"),
         "{cpu: {guest: 2, model: Skylake, dedicatedCPUPlacement: true}, memory: {guest: 2Gi}, nodeSelector: {c: d}, "
         "schedulerName: y, launchSecurity: {}, ioThreadsPolicy: auto, gpus: [{name: h, deviceName: c/d}]}",
         "spec.template.spec.nodeSelector, spec.template.spec.schedulerName, spec.template.spec.domain.cpu.model, "
         "spec.template.spec.domain.cpu.dedicatedCpuPlacement, spec.template.spec.domain.ioThreadsPolicy, "
         "spec.template.spec.domain.launchSecurity, spec.template.spec.domain.devices.gpus"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(expand_error(c.vm, {}, instancetype(c.instancetype_spec)) ==
              std::string("vm.yaml: VMI conflicts with instancetype spec in fields: [") + c.fields +
                  "]; remove these fields from the VM: the instancetype sets them");
    }

    // An annotation with another value conflicts; the same value does not.
    const std::string annotated = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: a}
spec:
  instancetype: {kind: VirtualMachineInstancetype, name: it}
  template:
    metadata: {annotations: {team: red, same: x}}
    spec: {domain: {devices: {}}}
)";
    CHECK(expand_error(annotated, {}, instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}, annotations: {team: blue, same: x}}")) ==
          "vm.yaml: VMI conflicts with instancetype spec in fields: [spec.template.metadata.annotations.team]; remove "
          "these fields from the VM: the instancetype sets them");
}

TEST_CASE("KubeVirt's own instancetype examples set memory.guest and therefore conflict") {
    struct Case {
        const char* vm;
        const char* instancetype;
        const char* preference;
    };
    const std::vector<Case> cases = {
        {"vm-cirros-csmall.yaml", "csmall.yaml", nullptr},
        {"vm-cirros-cluster-csmall.yaml", "cluster-csmall.yaml", nullptr},
        {"vm-cirros-clarge.yaml", "clarge.yaml", nullptr},
        {"vm-cirros-clarge-virtio.yaml", "clarge.yaml", "virtio.yaml"},
        {"vm-cirros-clarge-windows.yaml", "clarge.yaml", "windows.yaml"},
        {"vm-windows-clarge-windows.yaml", "clarge.yaml", "windows.yaml"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.vm);
        std::optional<std::string> pref;
        if (c.preference) pref = example(c.preference);
        CHECK(expand_error(example(c.vm), {}, example(c.instancetype), pref) ==
              "vm.yaml: VMI conflicts with instancetype spec in fields: [spec.template.spec.domain.memory.guest]; "
              "remove these fields from the VM: the instancetype sets them");
    }
}

TEST_CASE("a preference fills only what the VM leaves unset") {
    const std::string domain = R"({devices: {disks: [{name: a, disk: {bus: virtio}}, {name: b}, {name: c, cdrom: {}}],
        interfaces: [{name: default, model: e1000}, {name: second}], inputs: [{name: in1}]},
        machine: {type: pc-q35-rhel9.2.0}, firmware: {bootloader: {bios: {}}}})";
    const std::string networks = "      networks: [{name: default, pod: {}}, {name: second, multus: {networkName: n}}]\n";
    kvpod::kubevirt::ConvertOptions options;
    options.passt = false;
    auto out = expand(preferred_vm(domain, networks), options, std::nullopt, preference(R"({
        devices: {preferredDiskBus: scsi, preferredCdromBus: sata, preferredInterfaceModel: virtio,
                  preferredInputBus: virtio, preferredInputType: keyboard, preferredInterfaceMasquerade: {},
                  preferredDiskDedicatedIoThread: true, preferredRng: {}, preferredUseVirtioTransitional: true},
        firmware: {preferredUseEfi: true, preferredUseBiosSerial: true},
        machine: {preferredMachineType: q35},
        preferredTerminationGracePeriodSeconds: 60, preferredSubdomain: sub,
        annotations: {note: from-preference}})"));
    const Json& vmi = out.vmi;
    CHECK(at(vmi, "/spec/domain/devices/disks") == Json::parse(R"([
        {"name":"a","disk":{"bus":"virtio"},"dedicatedIOThread":true},
        {"name":"b","disk":{"bus":"scsi"}},
        {"name":"c","cdrom":{"bus":"sata","readonly":true,"tray":"closed"}}])"));
    CHECK(at(vmi, "/spec/domain/devices/interfaces") == Json::parse(R"([
        {"name":"default","model":"e1000","masquerade":{}},
        {"name":"second","model":"virtio"}])"));
    CHECK(at(vmi, "/spec/domain/devices/inputs") == Json::parse(R"([{"name":"in1","bus":"virtio","type":"keyboard"}])"));
    CHECK(at(vmi, "/spec/domain/devices/rng") == Json::object());
    CHECK(at(vmi, "/spec/domain/devices/useVirtioTransitional") == true);
    CHECK(at(vmi, "/spec/domain/firmware/bootloader") == Json::parse(R"({"bios":{"useSerial":true}})"));
    CHECK(at(vmi, "/spec/domain/machine/type") == "pc-q35-rhel9.2.0");
    CHECK(at(vmi, "/spec/terminationGracePeriodSeconds") == 60);
    CHECK(at(vmi, "/spec/subdomain") == "sub");
    CHECK(at(vmi, "/metadata/annotations/note") == "from-preference");
    CHECK(at(vmi, "/metadata/annotations/kubevirt.io~1preference-name") == "pref");
}

TEST_CASE("preferredDisableHotplug and preferredAcpi always win, as in KubeVirt") {
    auto out = expand(preferred_vm("{devices: {disableHotplug: true}, features: {acpi: {enabled: true}}}"), {},
                      std::nullopt,
                      preference("{devices: {preferredDisableHotplug: false}, features: {preferredAcpi: {enabled: false}}}"));
    CHECK(at(out.vmi, "/spec/domain/devices/disableHotplug").is_null());  // false, which KubeVirt leaves out
    CHECK(at(out.vmi, "/spec/domain/features/acpi") == Json{{"enabled", false}});
}

TEST_CASE("the windows preference from KubeVirt's examples, with clarge") {
    const std::string vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: win}
spec:
  instancetype: {kind: VirtualMachineInstancetype, name: clarge}
  preference: {kind: VirtualMachinePreference, name: windows}
  template:
    spec:
      domain:
        devices:
          disks: [{name: root}]
      volumes:
      - name: root
        hostDisk: {path: /var/lib/images/win.img, type: Disk}
)";
    auto out = expand(vm, {}, example("clarge.yaml"), example("windows.yaml"));
    CHECK(out.diagnostics.empty());
    check_golden("data/vmi/windows-clarge.vmi.json", out.vmi.dump(2) + "\n");
}

TEST_CASE("the preference's architecture and machine type come before the defaults") {
    auto out = expand(preferred_vm("{devices: {disks: [{name: d}]}}"), {}, std::nullopt,
                      preference("{preferredArchitecture: arm64, machine: {preferredMachineType: virt-9.0}}"));
    CHECK(at(out.vmi, "/spec/architecture") == "arm64");
    CHECK(at(out.vmi, "/spec/domain/machine/type") == "virt-9.0");
    CHECK(at(out.vmi, "/spec/domain/devices/disks/0/disk/bus") == "virtio");
}

TEST_CASE("preference requirements are checked after the instancetype and the defaults") {
    struct Case {
        const char* name;
        std::string vm;
        std::optional<std::string> instancetype_yaml;
        const char* requirements;
        const char* error;  // null: passes
    };
    const std::string fix = "; give the VM what the preference requires, or choose another preference";
    const std::vector<Case> cases = {
        {"instancetype CPU", typed_vm(), instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}"), "{cpu: {guest: 2}}",
         "vm.yaml: failure checking preference requirements: insufficient CPU resources of 1 vCPU provided by instance "
         "type, preference requires 2 vCPU (spec.instancetype)"},
        {"instancetype memory", typed_vm(), instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}"), "{memory: {guest: 2Gi}}",
         "vm.yaml: failure checking preference requirements: insufficient Memory resources of 1Gi provided by instance "
         "type, preference requires 2Gi (spec.instancetype)"},
        {"VM sockets", preferred_vm("{devices: {}, cpu: {sockets: 1}}"), std::nullopt, "{cpu: {guest: 2}}",
         "vm.yaml: failure checking preference requirements: insufficient CPU resources of 1 vCPU provided by "
         "VirtualMachine, preference requires 2 vCPU provided as sockets (spec.template.spec.domain.cpu.sockets)"},
        {"VM CPU from the request", preferred_vm("{devices: {}, resources: {requests: {cpu: 2}}}"), std::nullopt,
         "{cpu: {guest: 2}}", nullptr},
        {"VM memory", preferred_vm("{devices: {}, memory: {guest: 1Gi}}"), std::nullopt, "{memory: {guest: 2Gi}}",
         "vm.yaml: failure checking preference requirements: insufficient Memory resources of 1Gi provided by "
         "VirtualMachine, preference requires 2Gi (spec.template.spec.domain.memory)"},
        {"architecture", preferred_vm("{devices: {}}"), std::nullopt, "{architecture: arm64}",
         "vm.yaml: failure checking preference requirements: preference requires architecture arm64 but amd64 is being "
         "requested (spec.template.spec.architecture)"},
        {"all met", typed_vm(), instancetype("{cpu: {guest: 4}, memory: {guest: 4Gi}}"),
         "{cpu: {guest: 2}, memory: {guest: 2Gi}, architecture: amd64}", nullptr},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const std::string pref = preference(std::string("{requirements: ") + c.requirements + "}");
        if (c.error) CHECK(expand_error(c.vm, {}, c.instancetype_yaml, pref) == c.error + fix);
        else CHECK(expand(c.vm, {}, c.instancetype_yaml, pref).vmi.is_object());
    }
    // The VM's sockets under a "cores" preference are not cores.
    CHECK(expand_error(preferred_vm("{devices: {}, cpu: {sockets: 4}}"), {}, std::nullopt,
                       preference("{cpu: {preferredCPUTopology: cores}, requirements: {cpu: {guest: 2}}}")) ==
          "vm.yaml: failure checking preference requirements: insufficient CPU resources of 0 vCPU provided by "
          "VirtualMachine, preference requires 2 vCPU provided as cores (spec.template.spec.domain.cpu.cores)" + fix);
}

TEST_CASE("a spread preference needs vCPUs that divide by the spread") {
    struct Case {
        int guest;
        const char* cpu_preference;
        const char* error;
    };
    const std::vector<Case> cases = {
        {3, "{preferredCPUTopology: spread}",
         "3 vCPUs provided by the instance type are not divisible by the Spec.PreferSpreadSocketToCoreRatio or "
         "Spec.CPU.PreferSpreadOptions.Ratio of 2 provided by the preference"},
        {6, "{preferredCPUTopology: spread, spreadOptions: {across: CoresThreads, ratio: 4}}",
         "6 vCPUs provided by the instance type are not divisible by the number of threads per core 4"},
        {6, "{preferredCPUTopology: spread, spreadOptions: {across: SocketsCoresThreads}}",
         "6 vCPUs provided by the instance type are not divisible by the number of threads per core 2 and "
         "Spec.PreferSpreadSocketToCoreRatio or Spec.CPU.PreferSpreadOptions.Ratio of 2"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.guest);
        CHECK(expand_error(typed_vm(), {}, instancetype("{cpu: {guest: " + std::to_string(c.guest) + "}, memory: {guest: 1Gi}}"),
                           preference(std::string("{cpu: ") + c.cpu_preference + "}")) ==
              std::string("it.yaml:/spec/cpu/guest: ") + c.error +
                  "; choose an instancetype whose vCPUs divide evenly, or another preferredCPUTopology");
    }
    CHECK(expand_error(typed_vm(), {}, instancetype("{cpu: {guest: 2}, memory: {guest: 1Gi}}"),
                       preference("{cpu: {preferredCPUTopology: diagonal}}")) ==
          "pref.yaml:/spec/cpu/preferredCPUTopology: preferredCPUTopology 'diagonal' is not supported; use sockets, "
          "cores, threads, spread or any");
}

TEST_CASE("instancetype and preference documents must be the ones the VM references") {
    const std::string it = instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}");
    const std::string plain_vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: plain}
spec: {template: {spec: {domain: {devices: {}}}}}
)";
    struct Case {
        const char* name;
        std::string vm;
        std::optional<std::string> instancetype_yaml;
        std::optional<std::string> preference_yaml;
        const char* error;
    };
    const std::vector<Case> cases = {
        {"missing instancetype", typed_vm("{devices: {}}", false), std::nullopt, std::nullopt,
         "vm.yaml:/spec/instancetype: the VM references VirtualMachineInstancetype 'it' but no instancetype was given; "
         "give its YAML with --instancetype-file"},
        {"missing preference", typed_vm(), it, std::nullopt,
         "vm.yaml:/spec/preference: the VM references VirtualMachinePreference 'pref' but no preference was given; give "
         "its YAML with --preference-file"},
        {"instancetype not referenced", plain_vm, it, std::nullopt,
         "vm.yaml:/spec/instancetype: the VM references no instancetype but --instancetype-file was given; add "
         "spec.instancetype {kind, name} to the VM, or leave out --instancetype-file"},
        {"cluster kind expected", typed_vm("{devices: {}}", false),
         instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}", "VirtualMachineClusterInstancetype"), std::nullopt,
         "it.yaml:/kind: the VM references a VirtualMachineInstancetype but --instancetype-file holds a "
         "VirtualMachineClusterInstancetype; give the VirtualMachineInstancetype 'it', or change spec.instancetype.kind "
         "in the VM"},
        {"a preference given as instancetype", typed_vm("{devices: {}}", false), preference("{}", "VirtualMachinePreference", "it"),
         std::nullopt,
         "it.yaml:/kind: the VM references a VirtualMachineInstancetype but --instancetype-file holds a "
         "VirtualMachinePreference; give the VirtualMachineInstancetype 'it', or change spec.instancetype.kind in the VM"},
        {"other name", typed_vm("{devices: {}}", false),
         instancetype("{cpu: {guest: 1}, memory: {guest: 1Gi}}", "VirtualMachineInstancetype", "other"), std::nullopt,
         "it.yaml:/metadata/name: the VM references VirtualMachineInstancetype 'it' but --instancetype-file holds "
         "'other'; give the instancetype the VM names"},
        {"old API version", typed_vm("{devices: {}}", false),
         "apiVersion: instancetype.kubevirt.io/v1alpha2\nkind: VirtualMachineInstancetype\nmetadata: {name: it}\n"
         "spec: {cpu: {guest: 1}, memory: {guest: 1Gi}}\n",
         std::nullopt,
         "it.yaml:/apiVersion: apiVersion 'instancetype.kubevirt.io/v1alpha2' is not supported; use "
         "instancetype.kubevirt.io/v1beta1"},
        {"no guest CPUs", typed_vm("{devices: {}}", false), instancetype("{cpu: {}, memory: {guest: 1Gi}}"), std::nullopt,
         "it.yaml:/spec/cpu/guest: the instancetype has no spec.cpu.guest; set spec.cpu.guest"},
        {"unexpected kind", R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: k}
spec:
  instancetype: {kind: Flavor, name: it}
  template: {spec: {domain: {devices: {}}}}
)", it, std::nullopt,
         "vm.yaml:/spec/instancetype/kind: got unexpected kind in InstancetypeMatcher: Flavor; use "
         "VirtualMachineInstancetype or VirtualMachineClusterInstancetype"},
        {"inferFromVolume", R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: k}
spec:
  instancetype: {inferFromVolume: root}
  template: {spec: {domain: {devices: {}}}}
)", it, std::nullopt,
         "vm.yaml:/spec/instancetype/inferFromVolume: spec.instancetype.inferFromVolume needs the cluster to read the "
         "volume's labels; name the instancetype in spec.instancetype.name and give it with --instancetype-file"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(expand_error(c.vm, {}, c.instancetype_yaml, c.preference_yaml) == c.error);
    }
    // A VMI cannot reference either.
    CHECK(expand_error(example("vmi-fedora.yaml"), {}, it) ==
          "vm.yaml: a VirtualMachineInstance cannot reference an instancetype or a preference; give a VirtualMachine "
          "that names them in spec.instancetype / spec.preference, or leave out --instancetype-file and "
          "--preference-file");
}
