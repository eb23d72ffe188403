// SPDX-License-Identifier: Apache-2.0
// expand_vmi(): architecture defaults, hotplug limits and KubeVirt's API defaults.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/hotplug.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
using kvpod::kubevirt::ConvertOptions;
using kvpod::kubevirt::Quantity;

namespace {

/// A VM with `template_spec` as its template spec (YAML flow or block text).
std::string vm_with(const std::string& template_spec) {
    return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: d}\nspec:\n  template:\n    spec: " +
           template_spec + "\n";
}

std::string vm_domain(const std::string& domain) { return vm_with("{domain: " + domain + "}"); }

ConvertOptions host(const std::string& arch) {
    ConvertOptions options;
    options.host_architecture = arch;
    return options;
}

}  // namespace

TEST_CASE("each architecture gets its machine type, disk bus, firmware, CPU model and hotplug rules") {
    struct Case {
        const char* name;
        const char* host;
        const char* vm_arch;  // null: unset
        const char* expected;  // a JSON object of pointers → values; null value: absent
    };
    const std::string domain = R"({devices: {disks: [{name: a}, {name: b, cdrom: {}}], watchdog: {name: w}},
        memory: {guest: 2Gi}})";
    const std::vector<Case> cases = {
        {"amd64 host", "amd64", nullptr, R"({"/spec/architecture":"amd64","/spec/domain/machine/type":"q35",
            "/spec/domain/devices/disks/0/disk/bus":"sata","/spec/domain/devices/disks/1/cdrom/bus":"sata",
            "/spec/domain/cpu/model":"host-model","/spec/domain/firmware/bootloader":null,
            "/spec/domain/features/acpi/enabled":true,"/spec/domain/devices/watchdog":{"name":"w","i6300esb":{"action":"reset"}},
            "/spec/domain/cpu/maxSockets":4,"/spec/domain/memory/maxGuest":"8Gi"})"},
        {"arm64 host", "arm64", nullptr, R"({"/spec/architecture":"arm64","/spec/domain/machine/type":"virt",
            "/spec/domain/devices/disks/0/disk/bus":"virtio","/spec/domain/devices/disks/1/cdrom/bus":"virtio",
            "/spec/domain/cpu/model":"host-passthrough","/spec/domain/firmware/bootloader":{"efi":{"secureBoot":false}},
            "/spec/domain/features/acpi/enabled":true,"/spec/domain/devices/watchdog":{"name":"w"},
            "/spec/domain/cpu/maxSockets":null,"/spec/domain/memory/maxGuest":null})"},
        {"s390x host", "s390x", nullptr, R"({"/spec/architecture":"s390x","/spec/domain/machine/type":"s390-ccw-virtio",
            "/spec/domain/devices/disks/0/disk/bus":"virtio","/spec/domain/devices/disks/1/cdrom/bus":"virtio",
            "/spec/domain/cpu/model":"host-model","/spec/domain/firmware/bootloader":null,
            "/spec/domain/features/acpi/enabled":false,"/spec/domain/devices/watchdog":{"name":"w","diag288":{"action":"reset"}},
            "/spec/domain/cpu/maxSockets":4,"/spec/domain/memory/maxGuest":null})"},
        {"the VM's architecture wins over the host's", "amd64", "arm64",
         R"({"/spec/architecture":"arm64","/spec/domain/machine/type":"virt","/spec/domain/cpu/model":"host-passthrough"})"},
        {"s390x VM on an amd64 host", "amd64", "s390x",
         R"({"/spec/architecture":"s390x","/spec/domain/machine/type":"s390-ccw-virtio","/spec/domain/features/acpi/enabled":false})"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string spec = "{domain: " + domain + (c.vm_arch ? std::string(", architecture: ") + c.vm_arch : "") + "}";
        auto out = expand(vm_with(spec), host(c.host));
        const Json expected = Json::parse(c.expected);
        for (const auto& [pointer, value] : expected.items()) {
            CAPTURE(pointer);
            CHECK(at(out.vmi, pointer) == value);
        }
    }
}

TEST_CASE("arm64 keeps a bootloader and CPU model the VM sets") {
    auto out = expand(vm_domain("{devices: {}, cpu: {model: cortex-a72}, firmware: {bootloader: {bios: {}}}}"),
                      host("arm64"));
    CHECK(at(out.vmi, "/spec/domain/cpu/model") == "cortex-a72");
    CHECK(at(out.vmi, "/spec/domain/firmware/bootloader") == Json{{"bios", Json::object()}});
}

TEST_CASE("architectures other than amd64, arm64 and s390x are errors") {
    CHECK(expand_error(vm_with("{architecture: ppc64le, domain: {devices: {}}}")) ==
          "vm.yaml:/spec/template/spec/architecture: architecture 'ppc64le' is not supported by KubeVirt v1.8; use "
          "amd64, arm64 or s390x");
    CHECK(expand_error(vm_domain("{devices: {}}"), host("riscv64")) ==
          "vm.yaml:/spec/template/spec/architecture: the host architecture 'riscv64' is not supported by KubeVirt "
          "v1.8; set the VM's architecture to amd64, arm64 or s390x");
    CHECK(expand_error(example("vmi-fedora.yaml"), host("x86_64")) ==
          "vm.yaml:/spec/architecture: the host architecture 'x86_64' is not supported by KubeVirt v1.8; set the VM's "
          "architecture to amd64, arm64 or s390x");
}

TEST_CASE("CPU topology and maxSockets: sockets × 4, at most 512 vCPUs, never below sockets") {
    struct Case {
        const char* domain;
        const char* cpu;  // expected spec.domain.cpu without the model
    };
    const std::vector<Case> cases = {
        {"{devices: {}}", R"({"sockets":1,"cores":1,"threads":1,"maxSockets":4})"},
        {"{devices: {}, resources: {limits: {cpu: 3}}}", R"({"sockets":3,"cores":1,"threads":1,"maxSockets":12})"},
        {"{devices: {}, resources: {limits: {cpu: 2500m}}}", R"({"sockets":3,"cores":1,"threads":1,"maxSockets":12})"},
        {"{devices: {}, resources: {requests: {cpu: 500m}}}", R"({"sockets":1,"cores":1,"threads":1,"maxSockets":4})"},
        {"{devices: {}, cpu: {sockets: 2, cores: 4, threads: 2}}", R"({"sockets":2,"cores":4,"threads":2,"maxSockets":8})"},
        {"{devices: {}, cpu: {sockets: 64, cores: 2, threads: 2}}", R"({"sockets":64,"cores":2,"threads":2,"maxSockets":128})"},
        {"{devices: {}, cpu: {sockets: 300, cores: 2, threads: 1}}", R"({"sockets":300,"cores":2,"threads":1,"maxSockets":300})"},
        {"{devices: {}, cpu: {sockets: 129, cores: 1, threads: 1}}", R"({"sockets":129,"cores":1,"threads":1,"maxSockets":512})"},
        {"{devices: {}, cpu: {sockets: 2, maxSockets: 6}}", R"({"sockets":2,"maxSockets":6})"},
        // Only cores: KubeVirt leaves sockets and threads at 0, and 0 × 4 sockets is no limit.
        {"{devices: {}, cpu: {cores: 2}}", R"({"cores":2})"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.domain);
        Json cpu = at(expand(vm_domain(c.domain)).vmi, "/spec/domain/cpu");
        CHECK(cpu["model"] == "host-model");
        cpu.erase("model");
        CHECK(cpu == Json::parse(c.cpu));
    }
    // The limit's value also fills an empty CPU request.
    CHECK(at(expand(vm_domain("{devices: {}, resources: {limits: {cpu: 2}}}")).vmi, "/spec/domain/resources") ==
          Json::parse(R"({"limits":{"cpu":"2"},"requests":{"cpu":"2"}})"));
}

TEST_CASE("memory: guest from requests, limits or hugepages; maxGuest only where live update allows it") {
    struct Case {
        const char* domain;
        const char* memory;  // expected spec.domain.memory
    };
    const std::vector<Case> cases = {
        {"{devices: {}, memory: {guest: 128Mi}}", R"({"guest":"128Mi"})"},
        {"{devices: {}, memory: {guest: 1Gi}}", R"({"guest":"1Gi","maxGuest":"4Gi"})"},
        {"{devices: {}, memory: {guest: 1025Mi}}", R"({"guest":"1025Mi"})"},
        {"{devices: {}, memory: {guest: 1G}}", R"({"guest":"1G"})"},
        {"{devices: {}, memory: {guest: 2Gi, maxGuest: 3Gi}}", R"({"guest":"2Gi","maxGuest":"3Gi"})"},
        {"{devices: {}, resources: {requests: {memory: 2Gi}}}", R"({"guest":"2Gi","maxGuest":"8Gi"})"},
        {"{devices: {}, resources: {limits: {memory: 1536Mi}}}", R"({"guest":"1536Mi","maxGuest":"6Gi"})"},
        {"{devices: {}, memory: {hugepages: {pageSize: 2Mi}}}", R"({"guest":"2Mi","hugepages":{"pageSize":"2Mi"}})"},
        {"{devices: {}, memory: {guest: 4Gi, hugepages: {pageSize: 1Gi}}}",
         R"({"guest":"4Gi","maxGuest":"16Gi","hugepages":{"pageSize":"1Gi"}})"},
        {"{devices: {}, memory: {guest: 2050Mi, hugepages: {pageSize: 1Gi}}}",
         R"({"guest":"2050Mi","hugepages":{"pageSize":"1Gi"}})"},
        {"{devices: {}, memory: {guest: 2Gi}, launchSecurity: {}}", R"({"guest":"2Gi"})"},
        {"{devices: {}, memory: {guest: 2Gi}, cpu: {realtime: {}}}", R"({"guest":"2Gi"})"},
        {"{devices: {}}", "{}"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.domain);
        auto out = expand(vm_domain(c.domain));
        CHECK(at(out.vmi, "/spec/domain/memory") == Json::parse(c.memory));
        Json guest = at(out.vmi, "/spec/domain/memory/guest");
        CHECK(at(out.vmi, "/status/memory") ==
              (guest.is_null() ? Json() : Json{{"guestAtBoot", guest}, {"guestCurrent", guest}, {"guestRequested", guest}}));
    }
}

TEST_CASE("ValidateLiveUpdateMemory gives KubeVirt's reasons") {
    struct Case {
        const char* spec;
        const char* max_guest;  // null: none
        const char* problem;    // null: hotplug allowed
    };
    const std::vector<Case> cases = {
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"}}})", "4Gi", nullptr},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"},"cpu":{"realtime":{}}}})", "4Gi",
         "Memory hotplug is not compatible with realtime VMs"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"},"cpu":{"numa":{"guestMappingPassthrough":{}}}}})",
         "4Gi", "Memory hotplug is not compatible with guest mapping passthrough"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"},"launchSecurity":{}}})", "4Gi",
         "Memory hotplug is not compatible with encrypted VMs"},
        {R"({"architecture":"amd64","domain":{}})", "4Gi", "Guest memory must be configured when memory hotplug is enabled"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"}}})", nullptr,
         "Max guest memory must be configured when memory hotplug is enabled"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"8Gi"}}})", "4Gi",
         "Guest memory is greater than the configured maxGuest memory"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1025Mi"}}})", "4Gi", "Guest memory must be 2Mi aligned"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"1Gi"}}})", "4097Mi", "MaxGuest must be 2Mi aligned"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"2Gi","hugepages":{"pageSize":"1Gi"}}}})", "5000Mi",
         "MaxGuest must be 1Gi aligned"},
        {R"({"architecture":"s390x","domain":{"memory":{"guest":"1Gi"}}})", "4Gi",
         "Memory hotplug is only available for x86_64 VMs"},
        {R"({"architecture":"amd64","domain":{"memory":{"guest":"128Mi"}}})", "512Mi",
         "Memory hotplug is only available for VMs with at least 1Gi of guest memory"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.spec);
        std::optional<Quantity> max_guest;
        if (c.max_guest) max_guest = Quantity::parse(c.max_guest);
        auto problem = kvpod::kubevirt::live_update_memory_problem(Json::parse(c.spec), max_guest);
        CHECK(problem.value_or("<none>") == (c.problem ? c.problem : "<none>"));
    }
}

TEST_CASE("generated API defaults: disks, cdroms, inputs, probes, timers, features") {
    auto out = expand(vm_with(R"({domain: {
        devices: {disks: [{name: c, cdrom: {readonly: false}}, {name: l, lun: {}}, {name: b, blockSize: {matchVolume: {}}}],
                  inputs: [{name: tablet0}], autoattachInputDevice: true,
                  gpus: [{name: g, deviceName: a/b, virtualGPUOptions: {display: {ramFB: {}}}}]},
        clock: {timer: {kvm: {}, hpet: {present: false}}},
        features: {apic: {}, smm: {enabled: false}, pvspinlock: {}}},
      readinessProbe: {httpGet: {port: 80}},
      livenessProbe: {tcpSocket: {port: ssh}, periodSeconds: 20}})"));
    const Json& spec = out.vmi["spec"];
    CHECK(at(spec, "/domain/devices/disks") == Json::parse(R"([
        {"name":"c","cdrom":{"readonly":false,"tray":"closed","bus":"sata"}},
        {"name":"l","lun":{"bus":"sata"}},
        {"name":"b","disk":{"bus":"sata"},"blockSize":{"matchVolume":{"enabled":true}}}])"));
    // The VM has inputs, so autoattachInputDevice adds none.
    CHECK(at(spec, "/domain/devices/inputs") == Json::parse(R"([{"name":"tablet0","bus":"usb","type":"tablet"}])"));
    CHECK(at(spec, "/domain/devices/gpus/0/virtualGPUOptions/display/ramFB") == Json{{"enabled", true}});
    CHECK(at(spec, "/domain/clock/timer") == Json::parse(R"({"kvm":{"present":true},"hpet":{"present":false}})"));
    CHECK(at(spec, "/domain/features") ==
          Json::parse(R"({"acpi":{"enabled":true},"apic":{"enabled":true},"smm":{"enabled":false},"pvspinlock":{"enabled":true}})"));
    CHECK(at(spec, "/readinessProbe") == Json::parse(R"({"httpGet":{"port":80},"timeoutSeconds":1,"periodSeconds":10,
        "successThreshold":1,"failureThreshold":3})"));
    CHECK(at(spec, "/livenessProbe") == Json::parse(R"({"tcpSocket":{"port":"ssh"},"timeoutSeconds":1,"periodSeconds":20,
        "successThreshold":1,"failureThreshold":3})"));
    CHECK(at(spec, "/domain/firmware/serial").is_null());  // no random serial: standalone is deterministic
}

TEST_CASE("autoattachInputDevice adds a USB tablet unless the VM has inputs; a preference can pick its bus") {
    auto plain = expand(vm_domain("{devices: {autoattachInputDevice: true}}"));
    CHECK(at(plain.vmi, "/spec/domain/devices/inputs") ==
          Json::parse(R"([{"name":"default-0","bus":"usb","type":"tablet"}])"));
    const std::string vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: p}
spec:
  preference: {name: p}
  template: {spec: {domain: {devices: {}}}}
)";
    auto preferred = expand(vm, {}, std::nullopt,
                            "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: VirtualMachineClusterPreference\n"
                            "metadata: {name: p}\nspec: {devices: {preferredAutoattachInputDevice: true, "
                            "preferredInputBus: virtio}}\n");
    CHECK(at(preferred.vmi, "/spec/domain/devices/inputs") ==
          Json::parse(R"([{"name":"default-0","bus":"virtio","type":"tablet"}])"));
    CHECK(at(preferred.vmi, "/spec/domain/devices/autoattachInputDevice") == true);
}

TEST_CASE("Hyper-V dependencies are switched on, and a disabled one is KubeVirt's error") {
    auto out = expand(vm_domain("{devices: {}, features: {hyperv: {evmcs: {}, synictimer: {direct: {}}, tlbflush: {}, spinlocks: {}}}}"));
    CHECK(at(out.vmi, "/spec/domain/features/hyperv") == Json::parse(R"({
        "evmcs":{"enabled":true},"vapic":{"enabled":true},"vpindex":{"enabled":true},"synic":{"enabled":true},
        "synictimer":{"enabled":true,"direct":{"enabled":true}},"tlbflush":{"enabled":true},
        "spinlocks":{"enabled":true,"spinlocks":4096}})"));
    CHECK(at(out.vmi, "/spec/domain/cpu/features") == Json::parse(R"([{"name":"vmx","policy":"require"}])"));

    auto optional_vmx = expand(vm_domain(
        "{devices: {}, cpu: {features: [{name: vmx, policy: optional}]}, features: {hyperv: {evmcs: {}}}}"));
    CHECK(at(optional_vmx.vmi, "/spec/domain/cpu/features") == Json::parse(R"([{"name":"vmx","policy":"require"}])"));

    CHECK(expand_error(vm_domain("{devices: {}, features: {hyperv: {synic: {}, vpindex: {enabled: false}}}}")) ==
          "vm.yaml:/spec/template/spec/domain/features/hyperv/vpindex: "
          "'spec.template.spec.domain.features.hyperv.synic' requires "
          "'spec.template.spec.domain.features.hyperv.vpindex', which was disabled.; enable vpindex or disable synic");
}

TEST_CASE("containerDisk imagePullPolicy follows KubeVirt's tag rule") {
    struct Case {
        const char* image;
        const char* policy;
    };
    const std::vector<Case> cases = {
        {"quay.io/kubevirt/cirros:latest", "Always"},
        {"cirros", "Always"},
        {"quay.io/kubevirt/cirros:v1.0", "IfNotPresent"},
        {"quay.io/kubevirt/cirros@sha256:0123", "IfNotPresent"},
        {"registry:5000/cirros", "IfNotPresent"},  // the port's ':' counts as a tag, as in KubeVirt
    };
    for (const auto& c : cases) {
        CAPTURE(c.image);
        auto out = expand(vm_with(std::string("{domain: {devices: {}}, volumes: [{name: r, containerDisk: {image: '") +
                                  c.image + "'}}]}"));
        CHECK(at(out.vmi, "/spec/volumes/0/containerDisk/imagePullPolicy") == c.policy);
        CHECK(at(out.vmi, "/spec/domain/devices/disks") == Json::parse(R"([{"name":"r","disk":{"bus":"sata"}}])"));
    }
    auto kept = expand(vm_with("{domain: {devices: {filesystems: [{name: fs, virtiofs: {}}]}}, evictionStrategy: "
                               "LiveMigrate, volumes: [{name: r, containerDisk: {image: x, imagePullPolicy: Never}}, "
                               "{name: fs, persistentVolumeClaim: {claimName: data}}]}"));
    CHECK(at(kept.vmi, "/spec/volumes/0/containerDisk/imagePullPolicy") == "Never");
    CHECK(at(kept.vmi, "/spec/evictionStrategy") == "LiveMigrate");
    // The filesystem's volume gets no disk.
    CHECK(at(kept.vmi, "/spec/domain/devices/disks") == Json::parse(R"([{"name":"r","disk":{"bus":"sata"}}])"));
}
