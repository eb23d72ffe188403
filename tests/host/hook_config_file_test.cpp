// SPDX-License-Identifier: Apache-2.0
// The hook's configuration file: YAML as KubeVirt's CR section is written,
// or JSON, which skips yaml-cpp's cost at every container start.
#include <doctest/doctest.h>

#include <string>

#include "core/document.hpp"
#include "fake_root.hpp"
#include "hook/precreate.hpp"
#include "test_support.hpp"

using kvpod::hook::HookConfig;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

TEST_CASE("a hook configuration written as JSON loads as its YAML form does, and JSON errors name the key") {
    FakeRoot dir;
    for (const char* name : {"permitted.yaml", "deny-nvidia.yaml", "disabled.yaml"}) {
        CAPTURE(name);
        std::string yaml_path = kvpod::testing::data_dir() + "/data/hook-configs/" + name;
        auto as_json = kvpod::document::parse_yaml(kvpod::testing::read_file(yaml_path), name).dump(2);
        dir.file("/hook.json", as_json);
        HookConfig from_yaml = kvpod::hook::load_config(yaml_path);
        HookConfig from_json = kvpod::hook::load_config(dir.path() + "/hook.json");
        CHECK(from_json.allow_emulation == from_yaml.allow_emulation);
        CHECK(from_json.has_permitted_host_devices == from_yaml.has_permitted_host_devices);
        REQUIRE(from_json.pci_host_devices.size() == from_yaml.pci_host_devices.size());
        for (std::size_t i = 0; i < from_yaml.pci_host_devices.size(); ++i) {
            CHECK(from_json.pci_host_devices[i].vendor_selector == from_yaml.pci_host_devices[i].vendor_selector);
            CHECK(from_json.pci_host_devices[i].resource_name == from_yaml.pci_host_devices[i].resource_name);
        }
        CHECK(from_json.mediated_devices.size() == from_yaml.mediated_devices.size());
        CHECK(from_json.usb_resource_names == from_yaml.usb_resource_names);
        CHECK(from_json.state_dir == from_yaml.state_dir);
        CHECK(from_json.deadline_seconds == from_yaml.deadline_seconds);
        CHECK(from_json.config_limits.max_bytes == from_yaml.config_limits.max_bytes);
    }
    dir.file("/dup.json", R"({"allowEmulation": true, "allowEmulation": false})");
    CHECK(error_of([&] { kvpod::hook::load_config(dir.path() + "/dup.json"); }) ==
          "loading the hook configuration: " + dir.path() + "/dup.json:/allowEmulation: duplicate key 'allowEmulation'");
}
