// SPDX-License-Identifier: Apache-2.0
// The passthrough planner on hand-built host inventories: which devices a VM
// gets, in which mode, with which env, and the exact refusals.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "core/hook/device_requests.hpp"
#include "core/hook/passthrough_plan.hpp"
#include "core/kubevirt/memory_overhead.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "core/text.hpp"

using namespace kvpod::hook;
using Json = nlohmann::json;

namespace {

/// A host inventory built fact by fact.
struct Host {
    HostInventory inv;
    unsigned next_vfio_minor = 0;

    Host() { inv.char_majors = {{"vfio", 243}, {"nvidia", 195}, {"nvidia-uvm", 508}, {"nvidia-caps", 509}}; }

    void node(const std::string& path, std::int64_t major, std::int64_t minor, std::uint32_t mode = 0666) {
        inv.nodes[path] = HostNode{path, 'c', major, minor, mode, 0, 0};
    }

    PciFunction& function(const char* bdf, std::uint16_t vendor, std::uint16_t device, std::uint16_t cls,
                          const char* driver, std::optional<unsigned> group, int numa = 0, const char* pcie_switch = nullptr) {
        PciFunction f;
        f.address = *PciAddress::parse(bdf);
        f.vendor = vendor;
        f.device = device;
        f.device_class = cls;
        f.driver = driver;
        f.iommu_group = group;
        f.numa_node = numa;
        if (pcie_switch) f.pcie_switch = PciAddress::parse(pcie_switch);
        inv.functions.push_back(f);
        std::sort(inv.functions.begin(), inv.functions.end(),
                  [](const PciFunction& a, const PciFunction& b) { return a.address < b.address; });
        return *std::find_if(inv.functions.begin(), inv.functions.end(),
                             [&](const PciFunction& x) { return x.address == *PciAddress::parse(bdf); });
    }

    /// A Tesla T4 on vfio-pci, alone in its group, with its group node.
    PciFunction& t4(const char* bdf, unsigned group, int numa = 0, const char* pcie_switch = nullptr) {
        node(kVfioContainerPath, 10, 196);
        node(vfio_group_path(group), 243, next_vfio_minor++);
        inv.groups[group] = IommuGroup{group, {{bdf, "vfio-pci"}}};
        auto& f = function(bdf, 0x10de, 0x1eb8, 0x0302, "vfio-pci", group, numa, pcie_switch);
        f.name = "TU104GL [Tesla T4]";
        return f;
    }

    /// A Tesla T4 on the nvidia driver with its minor and node.
    PciFunction& t4_host(const char* bdf, unsigned minor) {
        node(nvidia_gpu_path(minor), 195, minor);
        node(kNvidiaCtlPath, 195, 255);
        auto& f = function(bdf, 0x10de, 0x1eb8, 0x0302, "nvidia", std::nullopt);
        f.nvidia_minor = minor;
        f.name = "TU104GL [Tesla T4]";
        return f;
    }
};

HookConfig t4_config() {
    HookConfig config;
    config.has_permitted_host_devices = true;
    config.pci_host_devices.push_back({"10de:1eb8", "nvidia.com/TU104GL_Tesla_T4", false});
    config.source = "hook.yaml";
    return config;
}

kvpod::kubevirt::VmDocument vmi(const Json& devices) {
    Json doc = {{"apiVersion", "kubevirt.io/v1"},
                {"kind", "VirtualMachineInstance"},
                {"metadata", {{"name", "x"}}},
                {"spec", {{"domain", {{"devices", devices}, {"memory", {{"guest", "1Gi"}}}}}}}};
    return kvpod::kubevirt::read_vm_document(doc, "vmi.json");
}

Json gpus(const std::vector<std::string>& names) {
    Json list = Json::array();
    for (std::size_t i = 0; i < names.size(); ++i) list.push_back({{"name", "gpu" + std::to_string(i + 1)}, {"deviceName", names[i]}});
    return {{"gpus", list}};
}

struct Planned {
    DevicePlan plan;
    std::vector<std::string> messages;
};

Planned plan(const Host& host, const Json& devices, const HookConfig& config = {},
             const std::set<std::string>& unavailable = {}, const std::set<std::string>& preferred = {},
             HostGpuNodes host_gpus = HostGpuNodes::Refuse) {
    auto vm = vmi(devices);
    auto requests = read_device_requests(vm, "env STANDALONE_VMI");
    Planned out;
    PassthroughContext context{config, host.inv, unavailable, preferred, 107, vm.vmi_spec, host_gpus};
    plan_passthrough(requests, context, out.plan);
    for (const auto& e : out.plan.refusals) out.messages.push_back(e.message());
    return out;
}

std::string env_of(const DevicePlan& plan, const std::string& name) {
    for (const auto& [n, v] : plan.patch.env)
        if (n == name) return v;
    return "<unset>";
}

std::vector<std::string> device_paths(const DevicePlan& plan) {
    std::vector<std::string> paths;
    for (const auto& d : plan.patch.devices) paths.push_back(d.path);
    return paths;
}

}  // namespace

TEST_CASE("a T4 on vfio-pci: its VFIO nodes, cgroup rules, env and RLIMIT_MEMLOCK") {
    Host host;
    host.t4("0000:3b:00.0", 42);
    auto devices = gpus({"nvidia.com/TU104GL_Tesla_T4"});
    for (const HookConfig& config : {t4_config(), HookConfig{}}) {
        auto out = plan(host, devices, config);
        CHECK(out.messages.empty());
        CHECK(env_of(out.plan, "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == "0000:3b:00.0");
        CHECK(device_paths(out.plan) == std::vector<std::string>{"/dev/vfio/42", "/dev/vfio/vfio"});
        REQUIRE(out.plan.patch.allow_rules.size() == 2);
        CHECK(out.plan.patch.allow_rules[0] == kvpod::oci::CgroupAllow{'c', 243, 0, "rwm"});
        CHECK(out.plan.patch.allow_rules[1] == kvpod::oci::CgroupAllow{'c', 10, 196, "rwm"});
        CHECK(out.plan.patch.devices[0].uid == 107);
        REQUIRE(out.plan.patch.rlimits.size() == 1);
        auto memlock = kvpod::kubevirt::memlock_bytes(vmi(devices).vmi_spec, {});
        CHECK(out.plan.patch.rlimits[0].type == "RLIMIT_MEMLOCK");
        CHECK(out.plan.patch.rlimits[0].soft == memlock);
        CHECK(out.plan.patch.rlimits[0].hard == memlock);
        CHECK(out.plan.claimed_units == std::vector<std::string>{"pci:0000:3b:00.0"});
    }
}

TEST_CASE("topology: one NUMA node, one PCIe switch, then the lowest address") {
    Host host;
    host.t4("0000:1b:00.0", 10, 0);
    host.t4("0000:83:00.0", 20, 1, "0000:81:00.0");
    host.t4("0000:84:00.0", 21, 1, "0000:81:00.0");
    host.t4("0000:af:00.0", 30, 1);
    const std::string t4 = "nvidia.com/TU104GL_Tesla_T4";
    struct Case {
        const char* name;
        std::size_t count;
        std::set<std::string> unavailable;
        std::set<std::string> preferred;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"one: the lowest NUMA node that has one", 1, {}, {}, "0000:1b:00.0"},
        {"two: the pair behind the switch, not the two lowest addresses", 2, {}, {}, "0000:83:00.0,0000:84:00.0"},
        {"three: all of NUMA node 1, the switch first", 3, {}, {}, "0000:83:00.0,0000:84:00.0,0000:af:00.0"},
        {"four: the fullest node first", 4, {}, {}, "0000:83:00.0,0000:84:00.0,0000:af:00.0,0000:1b:00.0"},
        {"two with one of the switch taken: still NUMA node 1", 2, {"pci:0000:83:00.0"}, {},
         "0000:84:00.0,0000:af:00.0"},
        {"what this container held before is kept", 1, {}, {"pci:0000:af:00.0"}, "0000:af:00.0"},
        {"a held device pulls the rest to its node", 2, {}, {"pci:0000:1b:00.0"}, "0000:1b:00.0,0000:83:00.0"},
        {"a preferred unit now taken by another container is not kept", 1, {"pci:0000:af:00.0"},
         {"pci:0000:af:00.0"}, "0000:1b:00.0"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto out = plan(host, gpus(std::vector<std::string>(c.count, t4)), t4_config(), c.unavailable, c.preferred);
        CHECK(out.messages.empty());
        CHECK(env_of(out.plan, "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == c.expected);
    }
    auto two = plan(host, gpus({t4, t4}), t4_config());
    CHECK(two.plan.notes == std::vector<std::string>{
                                "nvidia.com/TU104GL_Tesla_T4: chose 0000:83:00.0, 0000:84:00.0 of 4 usable (NUMA node 1, "
                                "PCIe switch 0000:81:00.0)"});
}

TEST_CASE("entries of one resource share one env variable, in entry order; units are claimed in entry order") {
    Host host;
    host.t4("0000:3b:00.0", 42);
    host.t4("0000:86:00.0", 43);
    auto config = t4_config();
    config.pci_host_devices.push_back({"10de:1eb8", "nvidia.com/T4_again", false});
    // hostDevices come after gpus; the second resource gets the device the first did not take.
    Json devices = gpus({"nvidia.com/TU104GL_Tesla_T4"});
    devices["hostDevices"] = Json::array({{{"name", "h1"}, {"deviceName", "nvidia.com/T4_again"}}});
    auto out = plan(host, devices, config);
    CHECK(out.messages.empty());
    CHECK(env_of(out.plan, "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == "0000:3b:00.0");
    CHECK(env_of(out.plan, "PCI_RESOURCE_NVIDIA_COM_T4_AGAIN") == "0000:86:00.0");
    CHECK(out.plan.claimed_units == std::vector<std::string>{"pci:0000:3b:00.0", "pci:0000:86:00.0"});
}

TEST_CASE("a GPU on its host driver: the hook refuses it with how to bind it to vfio-pci") {
    // virt-launcher builds a <hostdev> only from PCI_RESOURCE_* (vfio-pci) or
    // MDEV_PCI_RESOURCE_* and refuses the VM otherwise: /dev/nvidia* or
    // /dev/dri nodes would never reach the guest.
    Host host;
    host.t4_host("0000:17:00.0", 0);
    host.t4_host("0000:65:00.0", 3);
    host.inv.functions[0].iommu_group = 17;
    host.inv.functions[1].iommu_group = 65;
    host.inv.groups[17] = IommuGroup{17, {{"0000:17:00.0", "nvidia"}, {"0000:17:00.1", "snd_hda_intel"}}};
    host.inv.groups[65] = IommuGroup{65, {{"0000:64:00.0", "pcieport"}, {"0000:65:00.0", "nvidia"}}};
    const std::string virt_launcher =
        "virt-launcher attaches a GPU only from PCI_RESOURCE_NVIDIA_COM_GPU (a PCI function on vfio-pci) or "
        "MDEV_PCI_RESOURCE_NVIDIA_COM_GPU (a mediated device), never one on its host driver";
    auto out = plan(host, gpus({"nvidia.com/gpu", "nvidia.com/gpu"}));
    const std::string refusal =
        "/deviceName: the VM asks for 2 'nvidia.com/gpu' and the host has 0 usable: 0000:17:00.0 is on nvidia instead "
        "of vfio-pci, 0000:65:00.0 is on nvidia instead of vfio-pci; " + virt_launcher + "; bind 0000:17:00.0 to "
        "vfio-pci: driverctl set-override 0000:17:00.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci "
        "> /sys/bus/pci/devices/0000:17:00.0/driver_override; echo 0000:17:00.0 > /sys/bus/pci/drivers/nvidia/unbind; "
        "echo 0000:17:00.0 > /sys/bus/pci/drivers_probe; then the same for 0000:17:00.1 (on snd_hda_intel), in its "
        "IOMMU group";
    CHECK(out.messages == std::vector<std::string>{"env STANDALONE_VMI:/spec/domain/devices/gpus/0" + refusal,
                                                   "env STANDALONE_VMI:/spec/domain/devices/gpus/1" + refusal});
    CHECK(out.plan.patch.empty());
    CHECK(out.plan.claimed_units.empty());
    CHECK(out.plan.warnings.empty());
    const std::string none =
        " nvidia.com/gpu: no <hostdev>: it needs a PCI function on vfio-pci in PCI_RESOURCE_NVIDIA_COM_GPU or a mediated "
        "device in MDEV_PCI_RESOURCE_NVIDIA_COM_GPU, and refuses to start the VM without one";
    CHECK(out.plan.launcher == std::vector<std::string>{"gpus[0] gpu1" + none, "gpus[1] gpu2" + none});

    // One GPU on vfio-pci beside it: the first entry gets that one, the second is refused.
    host.t4("0000:3b:00.0", 42);
    auto mixed = plan(host, gpus({"nvidia.com/gpu", "nvidia.com/gpu"}));
    REQUIRE(mixed.messages.size() == 1);
    CHECK(mixed.messages[0] ==
          "env STANDALONE_VMI:/spec/domain/devices/gpus/1/deviceName: the VM asks for 2 'nvidia.com/gpu' and the host "
          "has 1 usable (given to gpus[0] gpu1): 0000:17:00.0 is on nvidia instead of vfio-pci, 0000:65:00.0 is on "
          "nvidia instead of vfio-pci; " + virt_launcher + "; bind 0000:17:00.0 to vfio-pci: driverctl set-override "
          "0000:17:00.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci > "
          "/sys/bus/pci/devices/0000:17:00.0/driver_override; echo 0000:17:00.0 > /sys/bus/pci/drivers/nvidia/unbind; "
          "echo 0000:17:00.0 > /sys/bus/pci/drivers_probe; then the same for 0000:17:00.1 (on snd_hda_intel), in its "
          "IOMMU group");
    CHECK(mixed.plan.launcher ==
          std::vector<std::string>{
              "gpus[0] gpu1 nvidia.com/gpu: a <hostdev> for PCI 0000:3b:00.0 from PCI_RESOURCE_NVIDIA_COM_GPU",
              "gpus[1] gpu2" + none});
}

TEST_CASE("--mount-devices (HostGpuNodes::Give): a GPU on its host driver gets its nodes, with a warning") {
    Host host;
    host.t4_host("0000:17:00.0", 0);
    host.t4_host("0000:65:00.0", 3);
    host.node(kNvidiaUvmPath, 508, 0);
    auto out = plan(host, gpus({"nvidia.com/gpu", "nvidia.com/gpu"}), {}, {}, {}, HostGpuNodes::Give);
    CHECK(out.messages.empty());
    CHECK(device_paths(out.plan) ==
          std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia3", "/dev/nvidiactl", "/dev/nvidia-uvm"});
    CHECK(out.plan.claimed_units == std::vector<std::string>{"gpu:0000:17:00.0", "gpu:0000:65:00.0"});
    CHECK(out.plan.patch.env.empty());
    CHECK(out.plan.warnings ==
          std::vector<std::string>{
              "gpus[0] gpu1 nvidia.com/gpu: 0000:17:00.0 is on its host driver nvidia: its nodes are in the Pod, but "
              "virt-launcher will not attach a GPU on its host driver and refuses to start the VM; it needs the GPU "
              "bound to vfio-pci and its address in PCI_RESOURCE_NVIDIA_COM_GPU (driverctl set-override 0000:17:00.0 "
              "vfio-pci, then convert again)",
              "gpus[1] gpu2 nvidia.com/gpu: 0000:65:00.0 is on its host driver nvidia: its nodes are in the Pod, but "
              "virt-launcher will not attach a GPU on its host driver and refuses to start the VM; it needs the GPU "
              "bound to vfio-pci and its address in PCI_RESOURCE_NVIDIA_COM_GPU (driverctl set-override 0000:65:00.0 "
              "vfio-pci, then convert again)"});
    // uvm-tools and modeset are optional: skipped, not refused.
    std::vector<std::string> skipped;
    for (const auto& row : out.plan.rows)
        if (row.status == RowStatus::Skipped) skipped.push_back(row.request);
    CHECK(skipped == std::vector<std::string>{"nvidia-uvm-tools", "nvidia-modeset"});

    // A GPU virt-launcher can attach goes first; host-driver nodes only make up a shortfall.
    host.t4("0000:3b:00.0", 42);
    auto one = plan(host, gpus({"nvidia.com/gpu"}), {}, {}, {}, HostGpuNodes::Give);
    CHECK(one.plan.claimed_units == std::vector<std::string>{"pci:0000:3b:00.0"});
    CHECK(one.plan.warnings.empty());
    auto two = plan(host, gpus({"nvidia.com/gpu", "nvidia.com/gpu"}), {}, {}, {}, HostGpuNodes::Give);
    CHECK(two.plan.claimed_units == std::vector<std::string>{"gpu:0000:17:00.0", "pci:0000:3b:00.0"});
    CHECK(two.plan.warnings.size() == 1);

    Host mig;
    auto& a100 = mig.t4_host("0000:41:00.0", 0);
    a100.device = 0x20f1;
    a100.name = "GA100 [A100 PCIe 40GB]";
    a100.mig = {MigInstance{1, 12, {{0, 13}}}, MigInstance{2, 21, {{0, 22}}}};
    for (unsigned m : {12u, 13u, 21u, 22u}) mig.node(nvidia_cap_path(m), 509, m, 0444);
    auto held = plan(mig, gpus({"nvidia.com/GA100_A100_PCIe_40GB"}), {}, {"gpu:0000:41:00.0/gi1"}, {}, HostGpuNodes::Give);
    CHECK(held.messages.empty());
    CHECK(device_paths(held.plan) == std::vector<std::string>{"/dev/nvidia0", "/dev/nvidia-caps/nvidia-cap21",
                                                              "/dev/nvidia-caps/nvidia-cap22", "/dev/nvidiactl"});
    CHECK(held.plan.claimed_units == std::vector<std::string>{"gpu:0000:41:00.0/gi2"});
    // The hook gives neither the GPU nor its MIG instances.
    CHECK(plan(mig, gpus({"nvidia.com/GA100_A100_PCIe_40GB"})).messages.size() == 1);
}

TEST_CASE("entries of one resource name get PCI functions or mediated devices, not both") {
    // virt-launcher pops PCI_RESOURCE_<NAME>, then MDEV_PCI_RESOURCE_<NAME>, for
    // every entry of the name: one entry would get two <hostdev>s with one alias.
    Host host;
    host.t4("0000:3b:00.0", 42);
    MediatedDevice m;
    m.uuid = "3e6f8a8c-5b5a-4d7e-9d34-2f6d3c9b2a11";
    m.type_name = "GRID T4-1Q";
    m.parent = "0000:86:00.0";
    m.iommu_group = 100;
    host.inv.mdevs.push_back(m);
    host.node(vfio_group_path(100), 243, 9);
    HookConfig config = t4_config();
    config.mediated_devices.push_back({"GRID T4-1Q", "nvidia.com/TU104GL_Tesla_T4"});
    const std::string t4 = "nvidia.com/TU104GL_Tesla_T4";

    auto one = plan(host, gpus({t4}), config);
    CHECK(one.messages.empty());
    CHECK(one.plan.claimed_units == std::vector<std::string>{"pci:0000:3b:00.0"});
    CHECK(env_of(one.plan, "MDEV_PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == "<unset>");

    // The mdev this container held before wins, and the PCI function stays out.
    auto kept = plan(host, gpus({t4}), config, {}, {"mdev:" + m.uuid});
    CHECK(kept.plan.claimed_units == std::vector<std::string>{"mdev:" + m.uuid});
    CHECK(env_of(kept.plan, "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == "<unset>");

    auto two = plan(host, gpus({t4, t4}), config);
    REQUIRE(two.messages.size() == 1);
    CHECK(two.messages[0] ==
          "env STANDALONE_VMI:/spec/domain/devices/gpus/1/deviceName: the VM asks for 2 'nvidia.com/TU104GL_Tesla_T4' "
          "and the host has 1 usable (given to gpus[0] gpu1): mdev 3e6f8a8c-5b5a-4d7e-9d34-2f6d3c9b2a11 is not used: "
          "the entries of 'nvidia.com/TU104GL_Tesla_T4' get PCI functions, and virt-launcher cannot take both kinds "
          "for one resource name; give the mediated devices a resourceName of their own in permittedHostDevices");
}

TEST_CASE("refusals say what the VM asked, what the host has and what to do") {
    const std::string t4 = "nvidia.com/TU104GL_Tesla_T4";
    struct Case {
        const char* name;
        Host host;
        Json devices;
        HookConfig config;
        std::set<std::string> unavailable;
        std::string expected;
        HostGpuNodes host_gpus = HostGpuNodes::Refuse;  ///< Give: as --mount-devices plans
    };
    Host one_t4;
    one_t4.t4("0000:3b:00.0", 42);
    Host nouveau;
    nouveau.function("0000:3b:00.0", 0x10de, 0x1eb8, 0x0302, "nouveau", 42);
    nouveau.inv.complete = true;
    Host unbound;
    unbound.function("0000:3b:00.0", 0x10de, 0x1eb8, 0x0302, "", 42);
    Host iommu_off;
    iommu_off.function("0000:3b:00.0", 0x10de, 0x1eb8, 0x0302, "", std::nullopt);
    iommu_off.inv.complete = true;
    iommu_off.inv.iommu_enabled = false;
    Host shared_group;
    shared_group.t4("0000:01:00.0", 14);
    shared_group.inv.groups[14].members.push_back({"0000:01:00.1", "snd_hda_intel"});
    Host no_group_node;
    no_group_node.t4("0000:3b:00.0", 42);
    no_group_node.inv.nodes.erase("/dev/vfio/42");
    Host stale_minor;
    stale_minor.t4_host("0000:65:00.0", 3);
    stale_minor.node("/dev/nvidia3", 195, 1);
    Host no_vfio_container;
    no_vfio_container.t4("0000:3b:00.0", 42);
    no_vfio_container.inv.nodes.erase("/dev/vfio/vfio");
    Host empty;
    empty.inv.complete = true;
    Host nvidia_only;
    nvidia_only.t4_host("0000:65:00.0", 3).iommu_group = 65;
    nvidia_only.inv.complete = true;
    Host amdgpu;
    amdgpu.function("0000:0c:00.0", 0x1002, 0x73bf, 0x0300, "amdgpu", 14);
    amdgpu.inv.groups[14] = IommuGroup{14, {{"0000:0c:00.0", "amdgpu"}, {"0000:0c:00.1", "snd_hda_intel"}}};
    Host mig_cap_missing;
    auto& a100 = mig_cap_missing.t4_host("0000:41:00.0", 0);
    a100.mig = {MigInstance{1, 12, {{0, 13}}}};
    mig_cap_missing.node(nvidia_cap_path(12), 509, 12, 0444);

    HookConfig disabled = t4_config();
    disabled.passthrough.enabled = false;
    HookConfig denied = t4_config();
    denied.passthrough.denied = {"nvidia.com/*"};
    HookConfig usb = t4_config();
    usb.usb_resource_names = {"kubevirt.io/storage"};

    const std::vector<Case> cases = {
        {"more than the host has", one_t4, gpus({t4, t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/1/deviceName: the VM asks for 2 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 1 usable (given to gpus[0] gpu1); remove the extra entries, or add devices to the host"},
        {"held by another container", one_t4, gpus({t4}), t4_config(), {"pci:0000:3b:00.0"},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:3b:00.0 is in use by another container (pci:0000:3b:00.0); stop the VM "
         "that holds it, or give this VM another device"},
        {"wrong driver", nouveau, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:3b:00.0 is on nouveau instead of vfio-pci; virt-launcher attaches a GPU "
         "only from PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a PCI function on vfio-pci) or "
         "MDEV_PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a mediated device), never one on its host driver; bind "
         "0000:3b:00.0 to vfio-pci: driverctl set-override 0000:3b:00.0 vfio-pci, or without driverctl: modprobe "
         "vfio-pci; echo vfio-pci > /sys/bus/pci/devices/0000:3b:00.0/driver_override; echo 0000:3b:00.0 > "
         "/sys/bus/pci/drivers/nouveau/unbind; echo 0000:3b:00.0 > /sys/bus/pci/drivers_probe"},
        {"no driver", unbound, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:3b:00.0 has no driver instead of vfio-pci; virt-launcher attaches a GPU "
         "only from PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a PCI function on vfio-pci) or "
         "MDEV_PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a mediated device), never one on its host driver; bind "
         "0000:3b:00.0 to vfio-pci: driverctl set-override 0000:3b:00.0 vfio-pci, or without driverctl: modprobe "
         "vfio-pci; echo vfio-pci > /sys/bus/pci/devices/0000:3b:00.0/driver_override; echo 0000:3b:00.0 > "
         "/sys/bus/pci/drivers_probe"},
        {"IOMMU off", iommu_off, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:3b:00.0 is on no driver and has no IOMMU group: the host's IOMMU is off "
         "(/sys/kernel/iommu_groups is empty); virt-launcher attaches a GPU only from "
         "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a PCI function on vfio-pci) or "
         "MDEV_PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a mediated device), never one on its host driver; enable VT-d "
         "or AMD-Vi in the firmware, boot with intel_iommu=on (or amd_iommu=on), then bind 0000:3b:00.0 to vfio-pci "
         "(driverctl set-override 0000:3b:00.0 vfio-pci)"},
        {"group not viable", shared_group, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:01:00.0 shares IOMMU group 14 with 0000:01:00.1, which is on "
         "snd_hda_intel; every device of a group must be on vfio-pci (or pci-stub, or no driver); bind 0000:01:00.1 "
         "to vfio-pci: driverctl set-override 0000:01:00.1 vfio-pci, or without driverctl: modprobe vfio-pci; echo "
         "vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override; echo 0000:01:00.1 > "
         "/sys/bus/pci/drivers/snd_hda_intel/unbind; echo 0000:01:00.1 > /sys/bus/pci/drivers_probe"},
        {"group node missing", no_group_node, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' "
         "and the host has 0 usable: 0000:3b:00.0 needs /dev/vfio/42, which the host does not have; check that "
         "vfio-pci created the group node (ls -l /dev/vfio; udevadm trigger)"},
        {"--mount-devices: a stale NVIDIA node", stale_minor, gpus({"nvidia.com/gpu"}), {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/gpu' and the host "
         "has 0 usable: 0000:65:00.0 needs /dev/nvidia3 as c 195:3, but it is c 195:1; create it with nvidia-modprobe "
         "-c 3 (or mknod -m 666 /dev/nvidia3 c 195 3)",
         HostGpuNodes::Give},
        {"--mount-devices: a MIG instance without its cap node", mig_cap_missing, gpus({"nvidia.com/gpu"}), {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/gpu' and the host "
         "has 0 usable: 0000:41:00.0 MIG gi1 needs /dev/nvidia-caps/nvidia-cap13, which the host does not have; create "
         "the cap nodes: nvidia-modprobe -f /proc/driver/nvidia/capabilities/gpu0/mig/gi1/access, and likewise for "
         "each /proc/driver/nvidia/capabilities/gpu0/mig/gi1/ci*/access",
         HostGpuNodes::Give},
        {"no VFIO container node", no_vfio_container, gpus({t4}), t4_config(), {},
         "/dev/vfio/vfio: the host has no /dev/vfio/vfio, which the VFIO container for gpus[0] gpu1 needs; load VFIO: "
         "modprobe vfio-pci"},
        {"unknown resource name", one_t4, gpus({"nvidia.com/TU104GL_TESLA_T4"}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no permittedHostDevices entry has resourceName "
         "'nvidia.com/TU104GL_TESLA_T4' (did you mean 'nvidia.com/TU104GL_Tesla_T4'?); configured: "
         "nvidia.com/TU104GL_Tesla_T4; use one of the configured names, or add a pciHostDevices or mediatedDevices "
         "entry for it to hook.yaml"},
        {"a USB resource", one_t4, gpus({"kubevirt.io/storage"}), usb, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: 'kubevirt.io/storage' is a USB resource "
         "(permittedHostDevices.usb); the hook passes through PCI devices only; remove the entry or attach the USB "
         "device another way"},
        {"NVIDIA name the host does not have", one_t4, gpus({"nvidia.com/GP102GL_Tesla_P40"}), {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host device is "
         "'nvidia.com/GP102GL_Tesla_P40' (NVIDIA devices named GP102GL_Tesla_P40 (vendor table)); NVIDIA GPUs on the "
         "host: nvidia.com/TU104GL_TESLA_T4 0000:3b:00.0 (vfio-pci); use one of the names above, or nvidia.com/gpu "
         "for any NVIDIA GPU"},
        {"an NVIDIA name, and the host's NVIDIA GPU is on nvidia", nvidia_only, gpus({"nvidia.com/GP102GL_Tesla_P40"}),
         {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host device is "
         "'nvidia.com/GP102GL_Tesla_P40' (NVIDIA devices named GP102GL_Tesla_P40 (vendor table)); NVIDIA GPUs on the "
         "host: nvidia.com/TU104GL_TESLA_T4 0000:65:00.0 (nvidia); use one of the names above, or nvidia.com/gpu for "
         "any NVIDIA GPU; virt-launcher attaches a GPU only on vfio-pci: bind 0000:65:00.0 to vfio-pci: driverctl "
         "set-override 0000:65:00.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci > "
         "/sys/bus/pci/devices/0000:65:00.0/driver_override; echo 0000:65:00.0 > /sys/bus/pci/drivers/nvidia/unbind; "
         "echo 0000:65:00.0 > /sys/bus/pci/drivers_probe"},
        {"any GPU (vendor table), and the host's is on amdgpu", amdgpu, gpus({"example.com/gpu"}), {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'example.com/gpu' and the host "
         "has 0 usable: 0000:0c:00.0 is on amdgpu instead of vfio-pci; virt-launcher attaches a GPU only from "
         "PCI_RESOURCE_EXAMPLE_COM_GPU (a PCI function on vfio-pci) or MDEV_PCI_RESOURCE_EXAMPLE_COM_GPU (a mediated "
         "device), never one on its host driver; bind 0000:0c:00.0 to vfio-pci: driverctl set-override 0000:0c:00.0 "
         "vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci > "
         "/sys/bus/pci/devices/0000:0c:00.0/driver_override; echo 0000:0c:00.0 > /sys/bus/pci/drivers/amdgpu/unbind; "
         "echo 0000:0c:00.0 > /sys/bus/pci/drivers_probe; then the same for 0000:0c:00.1 (on snd_hda_intel), in its "
         "IOMMU group"},
        {"no GPU of the vendor", empty, gpus({"amd.com/gpu"}), {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host device is 'amd.com/gpu' (any AMD GPU "
         "(vendor table)); the host has no GPU; remove the entry, or run the VM on a host that has such a GPU"},
        {"no device of the selector", empty, gpus({t4}), t4_config(), {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host device is 'nvidia.com/TU104GL_Tesla_T4' "
         "(pciVendorSelector 10de:1eb8); the host has no device of vendor 10de; check pciVendorSelector against "
         "lspci -nn, or bind the device to vfio-pci"},
        {"a host device without configuration", one_t4,
         Json{{"hostDevices", Json::array({{{"name", "nic"}, {"deviceName", "example.com/nic"}}})}}, {}, {},
         "env STANDALONE_VMI:/spec/domain/devices/hostDevices/0/deviceName: 'example.com/nic' names no GPU vendor and "
         "the hook configuration has no permittedHostDevices to say which host devices it stands for; add "
         "permittedHostDevices (KubeVirt's format: pciHostDevices with pciVendorSelector and resourceName) to the "
         "hook configuration"},
        {"passthrough disabled", one_t4, gpus({t4}), disabled, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: GPU and PCI passthrough is disabled on this host "
         "(passthrough.enabled: false in hook.yaml); remove gpus and hostDevices from the VM, or ask the host's admin "
         "to enable passthrough"},
        {"denied by policy", one_t4, gpus({t4}), denied, {},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the host's policy denies "
         "'nvidia.com/TU104GL_Tesla_T4' (passthrough.deniedResourceNames has 'nvidia.com/*'); use a resource the "
         "policy allows, or ask the host's admin to change hook.yaml"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto out = plan(c.host, c.devices, c.config, c.unavailable, {}, c.host_gpus);
        REQUIRE(out.messages.size() == 1);
        CHECK(out.messages[0] == c.expected);
        CHECK(std::any_of(out.plan.rows.begin(), out.plan.rows.end(),
                          [](const PlanRow& r) { return r.status == RowStatus::Refused && !r.fix.empty(); }));
    }
}

TEST_CASE("hostile deviceNames get an error and nothing from the host") {
    Host host;
    host.t4("0000:3b:00.0", 42);
    const char* fix =
        "use <domain>/<name> as in the KubeVirt CR's permittedHostDevices (e.g. nvidia.com/TU104GL_Tesla_T4); device "
        "paths are never taken from the VM spec, the hook finds the devices on the host";
    struct Case {
        Json entry;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{{"name", "a"}, {"deviceName", "../../dev/sda"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName '../../dev/sda' is not a resource "
         "name: it has more than one '/'; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", "/dev/sda"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName '/dev/sda' is not a resource name: it "
         "starts with '/', like a path; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", "/dev/vfio/42"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName '/dev/vfio/42' is not a resource "
         "name: it starts with '/', like a path; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", "nvidia.com/../../../dev/sda"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName 'nvidia.com/../../../dev/sda' is not "
         "a resource name: it has more than one '/'; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", "nvidia.com/x\n/dev/sda"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName 'nvidia.com/x\\n/dev/sda' is not a "
         "resource name: it has more than one '/'; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", ".."}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName '..' is not a resource name: it has "
         "no '/' between a domain and a name; " + std::string(fix)},
        {{{"name", "a"}, {"deviceName", 42}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName must be a string, found number; " +
             std::string(fix)},
        {{{"name", "a"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: has no deviceName; set deviceName to a resource "
         "name such as nvidia.com/TU104GL_Tesla_T4"},
        {{{"name", "a"}, {"claimName", "c"}, {"requestName", "r"}},
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0: asks for a DRA resource claim, which needs Kubernetes' "
         "scheduler; name the device with deviceName instead (standalone mode has no resource claims)"},
        {"nvidia.com/gpu",
         "env STANDALONE_VMI:/spec/domain/devices/gpus/0: expected an object with name and deviceName, found string"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.entry.dump());
        auto out = plan(host, {{"gpus", Json::array({c.entry})}}, t4_config());
        REQUIRE(out.messages.size() == 1);
        CHECK(out.messages[0] == c.expected);
        CHECK(out.plan.patch.empty());
        CHECK(out.plan.claimed_units.empty());
    }
    // A bad entry costs no host scan.
    auto vm = vmi({{"gpus", Json::array({{{"name", "a"}, {"deviceName", "/dev/sda"}}})}});
    auto query = passthrough_query(read_device_requests(vm, "x"), t4_config());
    CHECK_FALSE(query.pci);
    CHECK_FALSE(query.mediated);
}

TEST_CASE("the discovery query follows the requests") {
    auto query_for = [](const Json& devices, const HookConfig& config) {
        auto vm = vmi(devices);
        return passthrough_query(read_device_requests(vm, "x"), config);
    };
    auto configured = query_for(gpus({"nvidia.com/TU104GL_Tesla_T4"}), t4_config());
    CHECK(configured.pci);
    CHECK(configured.ids == std::set<std::uint32_t>{0x10de1eb8});
    CHECK(configured.vendors.empty());
    CHECK_FALSE(configured.names);
    CHECK_FALSE(configured.mediated);

    auto named = query_for(gpus({"nvidia.com/TU104GL_Tesla_T4"}), {});
    CHECK(named.vendors == std::set<std::uint16_t>{0x10de});
    CHECK(named.names);     // NVIDIA's names come from pci.ids
    CHECK(named.mediated);  // and vGPU types

    auto any = query_for(gpus({"amd.com/gpu"}), {});
    CHECK(any.vendors == std::set<std::uint16_t>{0x1002});
    CHECK_FALSE(any.names);
    // The hook's candidates are on vfio-pci; GPUs on their host drivers only for --mount-devices.
    CHECK_FALSE(any.host_gpus);
    auto vm = vmi(gpus({"amd.com/gpu"}));
    CHECK(passthrough_query(read_device_requests(vm, "x"), {}, HostGpuNodes::Give).host_gpus);
    CHECK_FALSE(passthrough_query(read_device_requests(vm, "x"), t4_config(), HostGpuNodes::Give).host_gpus);  // no scan

    auto none = query_for(Json::object(), {});
    CHECK_FALSE(none.pci);
    CHECK_FALSE(none.mediated);
}
