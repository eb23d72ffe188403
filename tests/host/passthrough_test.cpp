// SPDX-License-Identifier: Apache-2.0
// GPU and PCI passthrough end to end in-process: a real Podman 4.3.1
// compute-container config with a VM in STANDALONE_VMI, the fake host roots
// of tests/fixtures/roots (real libpci, real device nodes), whole configs
// and plan tables out, compared with reviewed goldens.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/text.hpp"
#include "fixture_root.hpp"
#include "golden.hpp"
#include "core/hook/allocation.hpp"
#include "core/oci_config.hpp"
#include "hook/plan_command.hpp"
#include "hook/precreate.hpp"
#include "host/allocation_store.hpp"
#include "host/process.hpp"
#include "schema_validator.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;
using kvpod::hook::HookConfig;
using kvpod::hook::RunOptions;
using kvpod::testing::data_dir;
using kvpod::testing::data_file;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;
using kvpod::testing::FixtureRoot;

namespace {

/// The VM file as the VMI the converter puts in STANDALONE_VMI.
Json vmi_of(const std::string& vm_file) {
    Json doc = kvpod::document::parse_yaml(data_file("data/vms/" + vm_file), vm_file);
    if (doc["kind"] == "VirtualMachineInstance") return doc;
    return {{"apiVersion", "kubevirt.io/v1"},
            {"kind", "VirtualMachineInstance"},
            {"metadata", {{"name", doc["metadata"]["name"]}}},
            {"spec", doc["spec"]["template"]["spec"]}};
}

/// The captured kube-play compute container (tests/data/podman-configs, from
/// Podman 4.3.1) with our annotation and the VMI in its env.
Json compute_container(const std::string& vm_file) {
    Json config = Json::parse(data_file("data/podman-configs/kube-play-compute-container.json"));
    auto& annotations = config["annotations"];
    annotations.erase("io.kubevirt.vm");
    annotations["kubevirt-vm-to-pod/vm"] = vmi_of(vm_file)["metadata"]["name"];
    Json env = Json::array();
    for (const auto& e : config["process"]["env"])
        if (e.get<std::string>().rfind("STANDALONE_VMI=", 0) != 0) env.push_back(e);
    env.push_back("STANDALONE_VMI=" + vmi_of(vm_file).dump());
    config["process"]["env"] = env;
    return config;
}

HookConfig hook_config(const std::string& name) {
    if (name.empty()) return {};
    return kvpod::hook::load_config(data_dir() + "/data/hook-configs/" + name);
}

/// Where precreate keeps its device claims in these tests: an empty state
/// directory of the test's own.
struct Allocation {
    FakeRoot tmp;
    std::string dir = tmp.path() + "/state";
};

/// The path the runtime hooks get in these tests, for stable goldens.
constexpr const char* kHookBinary = "/usr/libexec/oci-kubevirt-hook";

std::string precreate(const Json& input, const std::string& root, HookConfig config, const Allocation& allocation) {
    RunOptions options;
    options.host_root = root;
    options.hook_binary = kHookBinary;
    config.state_dir = allocation.dir;
    return kvpod::hook::run_precreate(input.dump(), options, config);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

/// The plan table with the temporary root and the source tree's path made
/// stable for the golden.
kvpod::hook::PlanOutcome plan(const std::string& root, const std::string& config, const std::string& vm_file) {
    kvpod::hook::PlanOptions options;
    options.host_root = root;
    options.config_path = config.empty() ? data_dir() + "/data/hook-configs/absent.yaml" : data_dir() + "/data/hook-configs/" + config;
    options.vm_file = data_dir() + "/data/vms/" + vm_file;
    auto outcome = kvpod::hook::make_plan(options);
    replace_all(outcome.table, root, "<root>");
    replace_all(outcome.table, data_dir(), "tests");
    return outcome;
}

const kvpod::testing::SchemaValidator& oci_schema() {
    static kvpod::testing::SchemaValidator validator(data_dir() + "/data/runtime-spec-schema", "config-schema.json");
    return validator;
}

std::string env_value(const Json& config, const std::string& name) {
    for (const auto& e : config["process"]["env"]) {
        std::string s = e.get<std::string>();
        if (s.rfind(name + "=", 0) == 0) return s.substr(name.size() + 1);
    }
    return "<unset>";
}

Json device(const Json& config, const std::string& path) {
    for (const auto& d : config["linux"]["devices"])
        if (d["path"] == path) return d;
    return nullptr;
}

bool allowed(const Json& config, int major, int minor) {
    for (const auto& r : config["linux"]["resources"]["devices"])
        if (r.value("allow", false) && r.value("type", "") == "c" && r.value("major", -1) == major &&
            r.value("minor", -1) == minor && r.value("access", "") == "rwm")
            return true;
    return false;
}

struct Case {
    const char* name;    ///< golden base name
    const char* root;    ///< tests/fixtures/roots/<root>
    const char* config;  ///< tests/data/hook-configs/<config>, "" for none
    const char* vm;      ///< tests/data/vms/<vm>
};

/// VMs the hook lets start, one per kind of host.
const std::vector<Case> kGranted = {
    {"t4-vfio-permitted", "nvidia-t4-vfio", "permitted.yaml", "gpu-t4.yaml"},
    {"t4-vfio-vendor-table", "nvidia-t4-vfio", "", "gpu-t4.yaml"},
    {"grid-t4-mdev", "grid-t4-mdev", "permitted.yaml", "vgpu-grid.yaml"},
    {"sriov-two-vfs", "sriov-nic-64vfs", "permitted.yaml", "sriov-vfs.yaml"},
    {"numa-two-gpus", "numa-topology", "permitted.yaml", "gpu-t4-twice.yaml"},
};

/// VMs the hook refuses, with the exact error Podman's log gets.
struct RefusedCase {
    Case c;
    const char* error;
};

const std::vector<RefusedCase> kRefused = {
    {{"t4-vfio-one-too-many", "nvidia-t4-vfio", "permitted.yaml", "gpu-t4-twice.yaml"},
     "refusing to start VM 'gpu-t4-twice': env STANDALONE_VMI:/spec/domain/devices/gpus/1/deviceName: the VM asks "
     "for 2 'nvidia.com/TU104GL_Tesla_T4' and the host has 1 usable (given to gpus[0] gpu1); remove the extra "
     "entries, or add devices to the host"},
    {{"group-not-viable", "group-not-viable", "permitted.yaml", "gpu-rtx3090.yaml"},
     "refusing to start VM 'gpu-rtx3090': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks "
     "for 1 'nvidia.com/GA102_GeForce_RTX_3090' and the host has 0 usable: 0000:01:00.0 shares IOMMU group 14 with "
     "0000:01:00.1, which is on snd_hda_intel; every device of a group must be on vfio-pci (or pci-stub, or no "
     "driver); bind 0000:01:00.1 to vfio-pci: driverctl set-override 0000:01:00.1 vfio-pci, or without driverctl: "
     "modprobe vfio-pci; echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override; echo 0000:01:00.1 > "
     "/sys/bus/pci/drivers/snd_hda_intel/unbind; echo 0000:01:00.1 > /sys/bus/pci/drivers_probe"},
    {{"iommu-off", "iommu-off", "permitted.yaml", "gpu-t4.yaml"},
     "refusing to start VM 'gpu-t4': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 "
     "'nvidia.com/TU104GL_Tesla_T4' and the host has 0 usable: 0000:3b:00.0 is on no driver and has no IOMMU "
     "group: the host's IOMMU is off (/sys/kernel/iommu_groups is empty); virt-launcher attaches a GPU only from "
     "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a PCI function on vfio-pci) or "
     "MDEV_PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (a mediated device), never one on its host driver; enable VT-d "
     "or AMD-Vi in the firmware, boot with intel_iommu=on (or amd_iommu=on), then bind 0000:3b:00.0 to vfio-pci "
     "(driverctl set-override 0000:3b:00.0 vfio-pci)"},
    {{"mdev-type-missing", "grid-t4-mdev", "permitted.yaml", "vgpu-grid-2q.yaml"},
     "refusing to start VM 'vgpu-grid-2q': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host "
     "device is 'nvidia.com/GRID_T4-2Q' (mdevNameSelector 'GRID T4-2Q'); mediated devices: 'GRID T4-1Q' "
     "3e6f8a8c-5b5a-4d7e-9d34-2f6d3c9b2a11; types the host can create: 'GRID T4-1Q' on 0000:3b:00.0 (nvidia-222, "
     "15 available), 'GRID T4-2Q' on 0000:3b:00.0 (nvidia-223, 8 available); create one: echo $(uuidgen) > "
     "/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-223/create"},
    // MIG instances on the nvidia driver are no <hostdev> either (KubeVirt passes MIG through as vGPU mdevs).
    {{"a100-mig-host-driver", "nvidia-a100-mig", "", "gpu-mig.yaml"},
     "refusing to start VM 'gpu-mig': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 2 "
     "'nvidia.com/gpu' and the host has 0 usable: 0000:41:00.0 is on nvidia instead of vfio-pci; virt-launcher "
     "attaches a GPU only from PCI_RESOURCE_NVIDIA_COM_GPU (a PCI function on vfio-pci) or "
     "MDEV_PCI_RESOURCE_NVIDIA_COM_GPU (a mediated device), never one on its host driver; bind 0000:41:00.0 to "
     "vfio-pci: driverctl set-override 0000:41:00.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo "
     "vfio-pci > /sys/bus/pci/devices/0000:41:00.0/driver_override; echo 0000:41:00.0 > "
     "/sys/bus/pci/drivers/nvidia/unbind; echo 0000:41:00.0 > /sys/bus/pci/drivers_probe"},
    {{"policy-denies", "nvidia-t4-vfio", "deny-nvidia.yaml", "gpu-t4.yaml"},
     "refusing to start VM 'gpu-t4': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the host's policy "
     "denies 'nvidia.com/TU104GL_Tesla_T4' (passthrough.deniedResourceNames has 'nvidia.com/TU104GL_Tesla_T4'); use "
     "a resource the policy allows, or ask the host's admin to change <configs>/deny-nvidia.yaml"},
    {{"passthrough-disabled", "nvidia-t4-vfio", "disabled.yaml", "gpu-t4.yaml"},
     "refusing to start VM 'gpu-t4': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: GPU and PCI "
     "passthrough is disabled on this host (passthrough.enabled: false in <configs>/disabled.yaml); remove gpus and "
     "hostDevices from the VM, or ask the host's admin to enable passthrough"},
    {{"h100-real-no-pci-ids", "h100-real", "", "gpu-h100.yaml"},
     // The captured host has no pci.ids, so the GPU is known by its device ID only, as NVIDIA's plugin names it;
     // and it is on nvidia without an IOMMU, so another name alone would not do.
     "refusing to start VM 'gpu-h100': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: no host device "
     "is 'nvidia.com/GH100_H100_SXM5_80GB' (NVIDIA devices named GH100_H100_SXM5_80GB (vendor table)); NVIDIA GPUs "
     "on the host: nvidia.com/2330 0000:00:06.0 (nvidia); use one of the names above, or nvidia.com/gpu for any "
     "NVIDIA GPU; virt-launcher attaches a GPU only on vfio-pci: enable VT-d or AMD-Vi in the firmware, boot with "
     "intel_iommu=on (or amd_iommu=on), then bind 0000:00:06.0 to vfio-pci (driverctl set-override 0000:00:06.0 "
     "vfio-pci)"},
    // GPUs on their host drivers: virt-launcher builds a <hostdev> only from PCI_RESOURCE_* (vfio-pci) or
    // MDEV_PCI_RESOURCE_* and refuses the VM otherwise, so the hook refuses them and says how to bind them.
    {{"nvidia-two-gpus-host-driver", "nvidia-two-gpus", "", "gpu-nvidia-two.yaml"},
     "refusing to start VM 'gpu-nvidia-two': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM "
     "asks for 2 'nvidia.com/GPU' and the host has 0 usable: 0000:17:00.0 is on nvidia instead of vfio-pci, "
     "0000:65:00.0 is on nvidia instead of vfio-pci; virt-launcher attaches a GPU only from "
     "PCI_RESOURCE_NVIDIA_COM_GPU (a PCI function on vfio-pci) or MDEV_PCI_RESOURCE_NVIDIA_COM_GPU (a mediated "
     "device), never one on its host driver; bind 0000:17:00.0 to vfio-pci: driverctl set-override 0000:17:00.0 "
     "vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci > "
     "/sys/bus/pci/devices/0000:17:00.0/driver_override; echo 0000:17:00.0 > /sys/bus/pci/drivers/nvidia/unbind; "
     "echo 0000:17:00.0 > /sys/bus/pci/drivers_probe"},
    {{"amd-gpu-host-driver", "amd-gpu", "", "gpu-amd.yaml"},
     "refusing to start VM 'gpu-amd': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 "
     "'amd.com/gpu' and the host has 0 usable: 0000:0c:00.0 is on amdgpu instead of vfio-pci; virt-launcher "
     "attaches a GPU only from PCI_RESOURCE_AMD_COM_GPU (a PCI function on vfio-pci) or "
     "MDEV_PCI_RESOURCE_AMD_COM_GPU (a mediated device), never one on its host driver; bind 0000:0c:00.0 to "
     "vfio-pci: driverctl set-override 0000:0c:00.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo "
     "vfio-pci > /sys/bus/pci/devices/0000:0c:00.0/driver_override; echo 0000:0c:00.0 > "
     "/sys/bus/pci/drivers/amdgpu/unbind; echo 0000:0c:00.0 > /sys/bus/pci/drivers_probe; then the same for "
     "0000:0c:00.1 (on snd_hda_intel), in its IOMMU group"},
    {{"intel-igpu-host-driver", "intel-igpu", "", "gpu-intel.yaml"},
     "refusing to start VM 'gpu-intel': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for "
     "1 'gpu.intel.com/i915' and the host has 0 usable: 0000:00:02.0 is on i915 instead of vfio-pci; virt-launcher "
     "attaches a GPU only from PCI_RESOURCE_GPU_INTEL_COM_I915 (a PCI function on vfio-pci) or "
     "MDEV_PCI_RESOURCE_GPU_INTEL_COM_I915 (a mediated device), never one on its host driver; bind 0000:00:02.0 to "
     "vfio-pci: driverctl set-override 0000:00:02.0 vfio-pci, or without driverctl: modprobe vfio-pci; echo "
     "vfio-pci > /sys/bus/pci/devices/0000:00:02.0/driver_override; echo 0000:00:02.0 > "
     "/sys/bus/pci/drivers/i915/unbind; echo 0000:00:02.0 > /sys/bus/pci/drivers_probe"},
    {{"h100-real-permitted", "h100-real", "h100.yaml", "gpu-h100.yaml"},
     "refusing to start VM 'gpu-h100': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for "
     "1 'nvidia.com/GH100_H100_SXM5_80GB' and the host has 0 usable: 0000:00:06.0 is on nvidia and has no IOMMU "
     "group: the host's IOMMU is off (/sys/kernel/iommu_groups is empty); virt-launcher attaches a GPU only from "
     "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB (a PCI function on vfio-pci) or "
     "MDEV_PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB (a mediated device), never one on its host driver; enable "
     "VT-d or AMD-Vi in the firmware, boot with intel_iommu=on (or amd_iommu=on), then bind 0000:00:06.0 to "
     "vfio-pci (driverctl set-override 0000:00:06.0 vfio-pci)"},
    {{"hostile-device-names", "nvidia-t4-vfio", "permitted.yaml", "hostile.yaml"},
     "refusing to start VM 'hostile': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: deviceName "
     "'../../dev/sda' is not a resource name: it has more than one '/'; use <domain>/<name> as in the KubeVirt CR's "
     "permittedHostDevices (e.g. nvidia.com/TU104GL_Tesla_T4); device paths are never taken from the VM spec, the "
     "hook finds the devices on the host"},
};

}  // namespace

TEST_CASE("a T4 on vfio-pci: VFIO nodes, cgroup rules, PCI_RESOURCE env and RLIMIT_MEMLOCK in the config") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FixtureRoot root("nvidia-t4-vfio");
    for (const char* config : {"permitted.yaml", ""}) {
        CAPTURE(config);
        Allocation allocation;
        Json out = Json::parse(precreate(compute_container("gpu-t4.yaml"), root.path(), hook_config(config), allocation));
        CHECK(env_value(out, "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4") == "0000:3b:00.0");
        CHECK(device(out, "/dev/vfio/42") == Json{{"path", "/dev/vfio/42"}, {"type", "c"}, {"major", 243}, {"minor", 0},
                                                   {"fileMode", 0666}, {"uid", 107}, {"gid", 107}});
        CHECK(device(out, "/dev/vfio/vfio")["minor"] == 196);
        CHECK(allowed(out, 243, 0));
        CHECK(allowed(out, 10, 196));
        Json memlock = nullptr;
        for (const auto& r : out["process"]["rlimits"])
            if (r["type"] == "RLIMIT_MEMLOCK") memlock = r;
        REQUIRE(memlock.is_object());
        // 4Gi of guest memory plus KubeVirt's overhead: more than the guest, and soft == hard.
        CHECK(memlock["soft"].get<std::uint64_t>() > (4ull << 30));
        CHECK(memlock["soft"] == memlock["hard"]);
    }
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
        end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(start, end - start));
    }
    return out;
}

TEST_CASE("a root captured on a real H100 host: the plans that host printed, its GPU now refused with how to bind it") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FixtureRoot root("h100-real");
    const std::string captured = data_dir() + "/fixtures/roots/h100-real/captured/";
    auto plan_of = [&](const std::string& vm) {
        kvpod::hook::PlanOptions options;
        options.host_root = root.path();
        options.config_path = data_dir() + "/data/hook-configs/absent.yaml";
        options.vm_file = captured + vm + ".yaml";
        return kvpod::hook::make_plan(options);
    };
    // What the host printed, with its own paths (VM file, host root, config file) made ours.
    auto printed = [&](const std::string& vm) {
        std::string text = data_file("fixtures/roots/h100-real/captured/plan-" + vm + ".txt");
        replace_all(text, "/work/main/.devrun/in/", captured);
        return text;
    };
    auto body = [](const std::string& t) { return t.substr(t.find("\ndevices:")); };

    // Without GPUs the plan is still what the host printed.
    auto plain = plan_of("vm-plain");
    CHECK(body(plain.table) == body(printed("vm-plain")));
    CHECK(plain.table.find("host root: " + root.path() + "\n") != std::string::npos);

    // The host printed its H100 plan before the hook refused GPUs on their host driver (README.md there):
    // every line not about the GPU is the same, and the GPU's row, fix and verdict now tell the truth.
    auto h100 = plan_of("vm-h100");
    CHECK(h100.status == 1);
    std::vector<std::string> now = split_lines(body(h100.table));
    for (const auto& line : split_lines(body(printed("vm-h100")))) {
        if (line.find("gpus[0]") != std::string::npos || kvpod::text::starts_with(line, "verdict:")) continue;
        CAPTURE(line);
        CHECK(std::find(now.begin(), now.end(), line) != now.end());
    }
    CHECK(h100.table.find("\nREFUSED  gpus[0] gpu1 nvidia.com/GH100_H100_SXM5_80GB  -") != std::string::npos);
    CHECK(h100.table.find("driverctl set-override 0000:00:06.0 vfio-pci") != std::string::npos);
    CHECK(h100.table.find("\nverdict:   the hook would refuse the container (1 refusal)") != std::string::npos);
    std::string table = h100.table;
    replace_all(table, root.path(), "<root>");
    replace_all(table, data_dir(), "tests");
    CHECK(table == kvpod::testing::golden("plan/h100-real-captured-vm-h100.txt", table));
}

TEST_CASE("whole configs after the hook and plan tables, on every fake root (goldens)") {
    if (!FakeRoot::can_mknod()) return;
    for (const auto& c : kGranted) {
        CAPTURE(c.name);
        FixtureRoot root(c.root);
        Allocation allocation;
        Json input = compute_container(c.vm);
        std::string output = precreate(input, root.path(), hook_config(c.config), allocation);
        Json config = Json::parse(output);
        // Pretty-printed so that a reviewer reads the golden; the content is the
        // hook's output, with the test's state directory named as in production.
        std::string pretty = config.dump(2) + "\n";
        replace_all(pretty, allocation.dir, "/run/oci-kubevirt-hook");
        CHECK(pretty == kvpod::testing::golden("passthrough/" + std::string(c.name) + ".json", pretty));
        CHECK(kvpod::text::join(oci_schema().errors(config), "\n") == "");
        // Podman runs the hook at every start: on its own output it changes
        // nothing, and the container's own claim does not stand in its way.
        CHECK(precreate(config, root.path(), hook_config(c.config), allocation) == output);

        auto outcome = plan(root.path(), c.config, c.vm);
        // 2: the host lacks an optional device (h100-real: vhost-net and nvidia-modeset), so the hook would
        // start the container without it.
        CHECK(outcome.status == (outcome.table.find("\nskipped ") == std::string::npos ? 0 : 2));
        CHECK(outcome.table == kvpod::testing::golden("plan/" + std::string(c.name) + ".txt", outcome.table));
    }
}

TEST_CASE("refused VMs: the exact error, nothing written, and the plan says why and how to fix it") {
    if (!FakeRoot::can_mknod()) return;
    for (const auto& r : kRefused) {
        const Case& c = r.c;
        CAPTURE(c.name);
        FixtureRoot root(c.root);
        std::string expected = r.error;
        for (auto pos = expected.find("<configs>"); pos != std::string::npos; pos = expected.find("<configs>"))
            expected.replace(pos, 9, data_dir() + "/data/hook-configs");
        Allocation allocation;
        CHECK(error_of([&] { precreate(compute_container(c.vm), root.path(), hook_config(c.config), allocation); }) ==
              expected);
        if (std::string(c.vm) == "hostile.yaml") {
            // The converter refuses device names that are no resource name, as KubeVirt's
            // webhook does: no Pod, no start. The plan, which plans the converter's VMI, says so.
            CHECK(error_of([&] { plan(root.path(), c.config, c.vm); }) ==
                  "rendering the VMI as kubevirt-vm-to-pod does: " + data_dir() +
                      "/data/vms/hostile.yaml:/spec/template/spec/domain/devices/gpus/0/deviceName: deviceName "
                      "'../../dev/sda' is not a device plugin resource name; give the resource as vendor-domain/name, "
                      "e.g. nvidia.com/TU104GL_Tesla_T4");
            continue;
        }
        auto outcome = plan(root.path(), c.config, c.vm);
        CHECK(outcome.status == 1);
        CHECK(outcome.table == kvpod::testing::golden("plan/" + std::string(c.name) + ".txt", outcome.table));
    }
}

TEST_CASE("exclusive allocation steers the choice: units other containers hold, units this one held before") {
    if (!FakeRoot::can_mknod()) return;
    FixtureRoot root("sriov-nic-64vfs");
    Json input = compute_container("sriov-vfs.yaml");
    const std::string me = kvpod::oci::read_facts(input).container_id;
    const std::string other(64, 'e');
    auto config = hook_config("permitted.yaml");
    Allocation allocation;
    kvpod::host::HostRoot proc("/");
    kvpod::host::ProcessTable processes(proc);
    auto write = [&](const kvpod::hook::AllocationRecord& record) {
        kvpod::host::AllocationStore store(allocation.dir, processes.boot_id());
        store.lock(std::chrono::seconds(1));
        store.read_records();
        store.write(record);
    };
    // Another container runs (its claim is bound to this test's process) with two VFs.
    write({other, kvpod::hook::ClaimState::Running, {"pci:0000:5e:00.2", "pci:0000:5e:00.4"},
           processes.find(::getpid()), "", "other"});
    Json taken = Json::parse(precreate(input, root.path(), config, allocation));
    CHECK(env_value(taken, "PCI_RESOURCE_MELLANOX_COM_CX5_VF") == "0000:5e:00.3,0000:5e:00.5");
    CHECK(device(taken, "/dev/vfio/devices/vfio1")["minor"] == 1);
    CHECK(device(taken, "/dev/iommu")["minor"] == 123);

    // The other container stopped; this one held 0000:5e:08.1 in an earlier run.
    write({other, kvpod::hook::ClaimState::Stopped, {"pci:0000:5e:00.2", "pci:0000:5e:00.4"}, std::nullopt, "", "other"});
    write({me, kvpod::hook::ClaimState::Stopped, {"pci:0000:5e:08.1"}, std::nullopt, "", "sriov-vfs"});
    Json kept = Json::parse(precreate(input, root.path(), config, allocation));
    CHECK(env_value(kept, "PCI_RESOURCE_MELLANOX_COM_CX5_VF") == "0000:5e:08.1,0000:5e:00.2");
}
