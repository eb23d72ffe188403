// SPDX-License-Identifier: Apache-2.0
// The precreate stage with exclusive allocation, in-process: the captured
// Podman 4.3.1 compute container renamed into several containers, the
// nvidia-t4-vfio fake root (one T4), and a state directory of the test's own.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "fixture_root.hpp"
#include "hook/precreate.hpp"
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

/// The captured compute container as container `id` (cgroupsPath and the
/// /run/.containerenv mount), whose Podman run directory exists under
/// `storage` until the test removes it, with `vm_file`'s VMI in its env.
Json container(const std::string& id, const std::string& storage, const std::string& vm_file) {
    Json config = Json::parse(data_file("data/podman-configs/kube-play-compute-container.json"));
    Json doc = kvpod::document::parse_yaml(data_file("data/vms/" + vm_file), vm_file);
    config["annotations"].erase("io.kubevirt.vm");
    config["annotations"]["kubevirt-vm-to-pod/vm"] = doc["metadata"]["name"];
    Json env = Json::array();
    for (const auto& e : config["process"]["env"])
        if (e.get<std::string>().rfind("STANDALONE_VMI=", 0) != 0) env.push_back(e);
    env.push_back("STANDALONE_VMI=" + doc.dump());
    config["process"]["env"] = env;
    config["linux"]["cgroupsPath"] = "/libpod_parent/libpod-" + id;
    std::string run_dir = storage + "/overlay-containers/" + id + "/userdata";
    std::filesystem::create_directories(run_dir);
    for (auto& mount : config["mounts"])
        if (mount["destination"] == "/run/.containerenv") mount["source"] = run_dir + "/.containerenv";
    return config;
}

std::string env_value(const Json& config, const std::string& name) {
    for (const auto& e : config["process"]["env"]) {
        std::string s = e.get<std::string>();
        if (s.rfind(name + "=", 0) == 0) return s.substr(name.size() + 1);
    }
    return "<unset>";
}

struct Setup {
    FixtureRoot root{"nvidia-t4-vfio"};
    FakeRoot tmp;
    std::string storage = tmp.path() + "/storage";
    HookConfig config = kvpod::hook::load_config(data_dir() + "/data/hook-configs/permitted.yaml");

    Setup() { config.state_dir = tmp.path() + "/state"; }

    std::string precreate(const Json& input) const {
        RunOptions options;
        options.host_root = root.path();
        options.hook_binary = "/usr/libexec/oci-kubevirt-hook";
        return kvpod::hook::run_precreate(input.dump(), options, config);
    }
    void remove(const std::string& id) const { std::filesystem::remove_all(storage + "/overlay-containers/" + id); }
};

const std::string kA(64, 'a');
const std::string kB(64, 'b');
constexpr const char* kEnv = "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4";

}  // namespace

TEST_CASE("the host's one T4 goes to one container at a time") {
    if (!FakeRoot::can_mknod()) return;
    Setup s;
    Json a = Json::parse(s.precreate(container(kA, s.storage, "gpu-t4.yaml")));
    CHECK(env_value(a, kEnv) == "0000:3b:00.0");
    CHECK(a["hooks"]["createRuntime"][0]["args"][4] == s.config.state_dir);

    // While a's claim is live (its Podman, here this test's parent, runs), b is refused.
    CHECK(error_of([&] { s.precreate(container(kB, s.storage, "gpu-t4.yaml")); }) ==
          "refusing to start VM 'gpu-t4': env STANDALONE_VMI:/spec/template/spec/domain/devices/gpus/0/deviceName: the VM "
          "asks for 1 'nvidia.com/TU104GL_Tesla_T4' and the host has 0 usable: 0000:3b:00.0 is in use by another "
          "container (pci:0000:3b:00.0); stop the VM that holds it, or give this VM another device");
    // a again (Podman runs precreate at every start): its own claim is no obstacle.
    CHECK(env_value(Json::parse(s.precreate(container(kA, s.storage, "gpu-t4.yaml"))), kEnv) == "0000:3b:00.0");

    // podman rm a: its directory goes, its claim with it; b gets the T4.
    s.remove(kA);
    Json b = Json::parse(s.precreate(container(kB, s.storage, "gpu-t4.yaml")));
    CHECK(env_value(b, kEnv) == "0000:3b:00.0");
    CHECK_FALSE(std::filesystem::exists(s.config.state_dir + "/" + kA + ".json"));
}

TEST_CASE("a VM without passthrough never touches the allocation state; one with it is refused when it is unusable") {
    if (!FakeRoot::can_mknod()) return;
    Setup s;
    s.tmp.file("/not-a-dir", "x");
    s.config.state_dir = s.tmp.path() + "/not-a-dir";
    Json plain = container(kA, s.storage, "gpu-t4.yaml");
    // The same VM without its gpus: KVM, tun and vhost-net only.
    for (auto& e : plain["process"]["env"]) {
        std::string entry = e.get<std::string>();
        if (entry.rfind("STANDALONE_VMI=", 0) != 0) continue;
        Json vm = Json::parse(entry.substr(15));
        vm["spec"]["template"]["spec"]["domain"]["devices"].erase("gpus");
        e = "STANDALONE_VMI=" + vm.dump();
    }
    Json out = Json::parse(s.precreate(plain));
    CHECK(env_value(out, kEnv) == "<unset>");
    CHECK_FALSE(out["hooks"].contains("createRuntime"));

    CHECK(error_of([&] { s.precreate(container(kB, s.storage, "gpu-t4.yaml")); }) ==
          "allocating passthrough devices: " + s.config.state_dir +
              ": not a directory; remove it, or set allocation.stateDir to another path");
}
