// SPDX-License-Identifier: Apache-2.0
// The hook's configuration file: YAML as KubeVirt's CR section is written,
// or JSON, which skips the YAML parser at every container start.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/document.hpp"
#include "fake_root.hpp"
#include "hook/precreate.hpp"
#include "test_support.hpp"

using kvpod::hook::HookConfig;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

namespace {

/// Whether two loads of a configuration say the same (source aside: the two
/// files' names differ where a test compares YAML with JSON).
void check_same(const HookConfig& a, const HookConfig& b) {
    CHECK(a.allow_emulation == b.allow_emulation);
    CHECK(a.has_permitted_host_devices == b.has_permitted_host_devices);
    REQUIRE(a.pci_host_devices.size() == b.pci_host_devices.size());
    for (std::size_t i = 0; i < a.pci_host_devices.size(); ++i) {
        CHECK(a.pci_host_devices[i].vendor_selector == b.pci_host_devices[i].vendor_selector);
        CHECK(a.pci_host_devices[i].resource_name == b.pci_host_devices[i].resource_name);
    }
    CHECK(a.mediated_devices.size() == b.mediated_devices.size());
    CHECK(a.usb_resource_names == b.usb_resource_names);
    CHECK(a.state_dir == b.state_dir);
    CHECK(a.deadline_seconds == b.deadline_seconds);
    CHECK(a.config_limits.max_bytes == b.config_limits.max_bytes);
}

}  // namespace

TEST_CASE("a hook configuration written as JSON loads as its YAML form does, and JSON errors name the key") {
    FakeRoot dir;
    for (const char* name : {"permitted.yaml", "deny-nvidia.yaml", "disabled.yaml"}) {
        CAPTURE(name);
        std::string yaml_path = kvpod::testing::data_dir() + "/data/hook-configs/" + name;
        auto as_json = kvpod::document::parse_yaml(kvpod::testing::read_file(yaml_path), name).dump(2);
        dir.file("/hook.json", as_json);
        HookConfig from_yaml = kvpod::hook::load_config(yaml_path);
        HookConfig from_json = kvpod::hook::load_config(dir.path() + "/hook.json");
        check_same(from_json, from_yaml);
    }
    dir.file("/dup.json", R"({"allowEmulation": true, "allowEmulation": false})");
    CHECK(error_of([&] { kvpod::hook::load_config(dir.path() + "/dup.json"); }) ==
          "loading the hook configuration: " + dir.path() + "/dup.json:/allowEmulation: duplicate key 'allowEmulation'");
}

namespace {

std::string entry_of(const std::string& cache) { return kvpod::testing::read_file(cache + "/config-cache.json"); }

}  // namespace

TEST_CASE("a YAML configuration is parsed once per change: the cached document gives the same configuration") {
    FakeRoot dir;
    const std::string cache = dir.path() + "/cache";  // made by the first store, 0700
    const std::string yaml = kvpod::testing::data_dir() + "/data/hook-configs/permitted.yaml";
    dir.file("/hook.yaml", kvpod::testing::read_file(yaml));
    const std::string path = dir.path() + "/hook.yaml";

    HookConfig uncached = kvpod::hook::load_config(path);
    HookConfig first = kvpod::hook::load_config(path, cache);
    std::string entry = entry_of(cache);
    CHECK(entry.find("\"source\":\"" + path + "\"") != std::string::npos);
    HookConfig second = kvpod::hook::load_config(path, cache);
    check_same(first, uncached);
    check_same(second, uncached);
    CHECK(first.source == uncached.source);
    CHECK(second.source == uncached.source);

    // The entry is what the second load read: a planted document (same key)
    // shows through, which proves the cache answered.
    auto planted = nlohmann::json::parse(entry);
    planted["document"]["allowEmulation"] = true;
    dir.file("/cache/config-cache.json", planted.dump());
    CHECK(kvpod::hook::load_config(path, cache).allow_emulation);

    // An edit is seen at once (size, mtime and ctime change), and replaces the entry.
    dir.file("/hook.yaml", kvpod::testing::read_file(yaml) + "allowEmulation: false\ndeadlineSeconds: 3\n");
    HookConfig edited = kvpod::hook::load_config(path, cache);
    CHECK_FALSE(edited.allow_emulation);
    CHECK(edited.deadline_seconds == 3);
    CHECK(kvpod::hook::load_config(path, cache).deadline_seconds == 3);

    // A JSON configuration is never cached: it is as cheap to read as the entry.
    std::filesystem::remove(cache + "/config-cache.json");
    dir.file("/hook.json", R"({"allowEmulation": true})");
    CHECK(kvpod::hook::load_config(dir.path() + "/hook.json", cache).allow_emulation);
    CHECK_FALSE(std::filesystem::exists(cache + "/config-cache.json"));
}

TEST_CASE("the cached document is trusted only from a directory and entry nobody else can write") {
    FakeRoot dir;
    const std::string cache = dir.path() + "/cache";
    dir.file("/hook.yaml", "allowEmulation: false\n");
    const std::string path = dir.path() + "/hook.yaml";
    kvpod::hook::load_config(path, cache);
    auto planted = nlohmann::json::parse(entry_of(cache));
    planted["document"]["allowEmulation"] = true;
    dir.file("/cache/config-cache.json", planted.dump());
    REQUIRE(kvpod::hook::load_config(path, cache).allow_emulation);  // the plant is read while it is ours alone

    namespace fs = std::filesystem;
    fs::permissions(cache + "/config-cache.json", fs::perms::group_write, fs::perm_options::add);
    CHECK_FALSE(kvpod::hook::load_config(path, cache).allow_emulation);  // the YAML again, and a new entry
    CHECK((fs::status(cache + "/config-cache.json").permissions() & fs::perms::group_write) == fs::perms::none);

    dir.file("/cache/config-cache.json", planted.dump());
    fs::permissions(cache, fs::perms::others_write, fs::perm_options::add);
    CHECK_FALSE(kvpod::hook::load_config(path, cache).allow_emulation);
    CHECK(entry_of(cache) == planted.dump());  // nor is anything written there

    // A torn or foreign entry is a miss, never an error.
    fs::permissions(cache, fs::perms::others_write, fs::perm_options::remove);
    for (const char* text : {"{\"document\":", "[]", "{\"version\":\"0.0.0\"}"}) {
        CAPTURE(text);
        dir.file("/cache/config-cache.json", text);
        CHECK_FALSE(kvpod::hook::load_config(path, cache).allow_emulation);
    }
}
