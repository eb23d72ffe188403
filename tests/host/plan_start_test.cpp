// SPDX-License-Identifier: Apache-2.0
// `oci-kubevirt-hook plan VMFILE` against the hook's start of the Pod the
// converter renders for VMFILE: the same RLIMIT_MEMLOCK and the same device
// nodes, on fake host roots, for the shipped example and for VMs whose plan
// used to differ (the plan read the VM as written: no memory.maxGuest, no
// default interface, no instancetype).
#include <doctest/doctest.h>

#include <cstdio>
#include <set>
#include <string>

#include "core/document.hpp"
#include "core/kubevirt/memory_overhead.hpp"
#include "core/text.hpp"
#include "fixture_root.hpp"
#include "hook/plan_command.hpp"
#include "hook/precreate.hpp"
#include "test_support.hpp"
#include "vm2pod/convert_cmd.hpp"

using Json = nlohmann::json;
using kvpod::testing::data_dir;
using kvpod::testing::data_file;
using kvpod::testing::FakeRoot;
using kvpod::testing::FixtureRoot;

namespace {

/// The compute container's STANDALONE_VMI in the Pod the converter writes for `vm_file`.
std::string converted_vmi(const std::string& vm_file) {
    kvpod::vm2pod::CommandOptions options;
    options.input = vm_file;
    options.output = "json";
    Json pod = Json::parse(kvpod::vm2pod::run_convert(options, stdin).text);
    for (const auto& container : pod["spec"]["containers"]) {
        if (container["name"] != "compute") continue;
        for (const auto& env : container["env"])
            if (env["name"] == "STANDALONE_VMI") return env["value"].get<std::string>();
    }
    FAIL("no STANDALONE_VMI in the compute container of " << vm_file);
    return "";
}

/// Podman 4.3.1's config of a kube-play compute container (tests/data/podman-configs)
/// carrying `vmi`, as `podman kube play` hands it to the precreate hook.
Json compute_config(const std::string& vmi, const std::string& vm_name) {
    Json config = Json::parse(data_file("data/podman-configs/kube-play-compute-container.json"));
    config["annotations"].erase("io.kubevirt.vm");
    config["annotations"]["kubevirt-vm-to-pod/vm"] = vm_name;
    Json env = Json::array();
    for (const auto& e : config["process"]["env"])
        if (e.get<std::string>().rfind("STANDALONE_VMI=", 0) != 0) env.push_back(e);
    env.push_back("STANDALONE_VMI=" + vmi);
    config["process"]["env"] = env;
    return config;
}

/// What a start or a plan gives: RLIMIT_MEMLOCK (0: none) and the device nodes.
struct Grant {
    std::uint64_t memlock = 0;
    std::set<std::string> devices;
};

Grant start_grant(const Json& config) {
    Grant grant;
    for (const auto& rlimit : config["process"]["rlimits"])
        if (rlimit["type"] == "RLIMIT_MEMLOCK") grant.memlock = rlimit["hard"].get<std::uint64_t>();
    for (const auto& device : config["linux"]["devices"]) grant.devices.insert(device["path"].get<std::string>());
    return grant;
}

/// The plan table's "RLIMIT_MEMLOCK soft=N hard=N" line and the nodes of its granted rows
/// ("granted  kvm  /dev/kvm (c 10:232)  ...", "... IOMMU group 42: /dev/vfio/42 (c 243:0)").
Grant plan_grant(const std::string& table) {
    Grant grant;
    for (const auto& line : kvpod::text::split(table, '\n')) {
        auto trimmed = kvpod::text::trim(line);
        if (kvpod::text::starts_with(trimmed, "RLIMIT_MEMLOCK soft=")) {
            auto hard = trimmed.substr(trimmed.find(" hard=") + 6);
            grant.memlock = std::stoull(std::string(hard));
        }
        if (!kvpod::text::starts_with(line, "granted ")) continue;
        for (auto at = line.find(" /dev/"); at != std::string::npos; at = line.find(" /dev/", at + 1)) {
            auto end = line.find(" (c ", at + 1);
            if (end != std::string::npos) grant.devices.insert(line.substr(at + 1, end - at - 1));
        }
    }
    return grant;
}

struct Case {
    const char* vm;      ///< relative to the source tree
    const char* root;    ///< tests/fixtures/roots/<root>
    const char* config;  ///< tests/data/hook-configs/<config>
    std::uint64_t memlock;             ///< what start and plan give (both)
    std::uint64_t memlock_as_written;  ///< what the plan gave before: the VM's spec as written, unexpanded
};

// The memlock is overhead + base memory; the converter's VMI has memory.maxGuest
// (4 x guest, KubeVirt's memory hotplug default), so the base is the maximum.
const Case kCases[] = {
    // The shipped example: 4Gi guest, maxGuest 16Gi.
    {"../contrib/examples/fedora-gpu.yaml", "nvidia-t4-vfio", "permitted.yaml", 18543018800, 5658116800},
    {"data/vms/gpu-t4.yaml", "nvidia-t4-vfio", "permitted.yaml", 18543018801, 5658116801},
    {"data/vms/vgpu-grid.yaml", "grid-t4-mdev", "permitted.yaml", 18543018801, 5658116801},
    {"data/vms/gpu-t4-twice.yaml", "numa-topology", "permitted.yaml", 18543018801, 5658116801},
    {"data/vms/sriov-vfs.yaml", "sriov-nic-64vfs", "permitted.yaml", 0, 0},
    // Memory (8Gi, maxGuest 32Gi) and GPU from the instancetype, in the same file: the plan
    // refused the file before ("more than one YAML document"), and the VM as written has neither.
    {"data/vms/gpu-t4-instancetype.yaml", "nvidia-t4-vfio", "permitted.yaml", 35722887800, 0},
};

}  // namespace

TEST_CASE("plan gives what the hook gives the converted Pod's compute container at start") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    for (const auto& c : kCases) {
        CAPTURE(c.vm);
        const std::string vm_file = data_dir() + "/" + c.vm;
        const std::string config_path = data_dir() + "/data/hook-configs/" + c.config;
        FixtureRoot root(c.root);
        FakeRoot state;

        const std::string vmi = converted_vmi(vm_file);
        kvpod::hook::RunOptions run;
        run.host_root = root.path();
        run.hook_binary = "/usr/libexec/oci-kubevirt-hook";
        auto config = kvpod::hook::load_config(config_path);
        config.state_dir = state.path() + "/state";
        Json vm_name = Json::parse(vmi)["metadata"]["name"];
        Grant start = start_grant(
            Json::parse(kvpod::hook::run_precreate(compute_config(vmi, vm_name).dump(), run, config)));

        kvpod::hook::PlanOptions options;
        options.host_root = root.path();
        options.config_path = config_path;
        options.vm_file = vm_file;
        auto outcome = kvpod::hook::make_plan(options);
        CHECK(outcome.status == 0);
        Grant plan = plan_grant(outcome.table);

        CHECK(plan.memlock == start.memlock);
        CHECK(plan.devices == start.devices);
        CHECK(kvpod::text::join(std::vector<std::string>(start.devices.begin(), start.devices.end()), " ") != "");
        if (c.memlock != 0) CHECK(start.memlock == c.memlock);

        // What the plan said before it planned the converter's VMI: the memlock of
        // the VM's own spec.
        Json doc = kvpod::document::parse_yaml_stream(data_file(c.vm), c.vm).back();
        std::uint64_t as_written = kvpod::kubevirt::memlock_bytes(doc["spec"]["template"]["spec"], {});
        if (c.memlock_as_written != 0) {
            CHECK(as_written == c.memlock_as_written);
            CHECK(as_written != start.memlock);
        }
    }
}
