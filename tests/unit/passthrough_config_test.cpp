// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/hook/hook_config.hpp"
#include "core/hook/passthrough_policy.hpp"
#include "test_support.hpp"

using namespace kvpod::hook;
using kvpod::testing::error_of;

namespace {

HookConfig parse(const std::string& yaml) {
    return parse_hook_config(kvpod::document::parse_yaml(yaml, "hook.yaml"), "hook.yaml");
}

}  // namespace

TEST_CASE("passthrough policy keys") {
    auto config = parse(
        "passthrough:\n"
        "  enabled: true\n"
        "  allowedResourceNames: [nvidia.com/*, mellanox.com/cx5_vf]\n"
        "  deniedResourceNames: [nvidia.com/GA100_A100_PCIE_40GB]\n");
    CHECK(config.passthrough.enabled);
    CHECK(config.passthrough.has_allow_list);
    CHECK(config.passthrough.allowed == std::vector<std::string>{"nvidia.com/*", "mellanox.com/cx5_vf"});
    CHECK(config.passthrough.denied == std::vector<std::string>{"nvidia.com/GA100_A100_PCIE_40GB"});
    CHECK(config.source == "hook.yaml");

    auto defaults = parse("allowEmulation: false\n");
    CHECK(defaults.passthrough.enabled);
    CHECK_FALSE(defaults.passthrough.has_allow_list);
    CHECK(describe(defaults.passthrough) == "passthrough enabled; allowed: any resource name; denied: none");
    CHECK(describe(parse("passthrough: {enabled: false}").passthrough) == "passthrough disabled (passthrough.enabled: false)");
    CHECK(describe(config.passthrough) ==
          "passthrough enabled; allowed: nvidia.com/*, mellanox.com/cx5_vf; denied: nvidia.com/GA100_A100_PCIE_40GB");
    // An empty allow list allows nothing; that is not the same as no list.
    auto none = parse("passthrough: {allowedResourceNames: []}");
    CHECK(none.passthrough.has_allow_list);
    CHECK(describe(none.passthrough) == "passthrough enabled; allowed: none; denied: none");
}

TEST_CASE("passthrough policy decisions: deny wins, '<domain>/*' covers a domain") {
    PassthroughPolicy policy;
    policy.has_allow_list = true;
    policy.allowed = {"nvidia.com/*", "mellanox.com/cx5_vf"};
    policy.denied = {"nvidia.com/GA100_A100_PCIE_40GB"};
    struct Case {
        const char* resource;
        std::optional<std::string> refusal;
    };
    const std::vector<Case> cases = {
        {"nvidia.com/TU104GL_Tesla_T4", std::nullopt},
        {"mellanox.com/cx5_vf", std::nullopt},
        {"nvidia.com/GA100_A100_PCIE_40GB",
         "the host's policy denies 'nvidia.com/GA100_A100_PCIE_40GB' (passthrough.deniedResourceNames has "
         "'nvidia.com/GA100_A100_PCIE_40GB')"},
        {"amd.com/gpu",
         "the host's policy does not allow 'amd.com/gpu' (passthrough.allowedResourceNames: nvidia.com/*, mellanox.com/cx5_vf)"},
        {"mellanox.com/other",
         "the host's policy does not allow 'mellanox.com/other' (passthrough.allowedResourceNames: nvidia.com/*, "
         "mellanox.com/cx5_vf)"},
        // "<domain>/*" is not a prefix match on the domain itself.
        {"nvidia.community/x",
         "the host's policy does not allow 'nvidia.community/x' (passthrough.allowedResourceNames: nvidia.com/*, "
         "mellanox.com/cx5_vf)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.resource);
        CHECK(policy_refusal(policy, c.resource) == c.refusal);
    }
    CHECK(pattern_covers("nvidia.com/*", "nvidia.com/gpu"));
    CHECK_FALSE(pattern_covers("nvidia.com/*", "nvidia.com/"));
    CHECK_FALSE(pattern_covers("nvidia.com/gpu", "nvidia.com/GPU"));
}

TEST_CASE("bad passthrough configuration is an error naming the key") {
    struct Case {
        const char* yaml;
        const char* error;
    };
    const std::vector<Case> cases = {
        {"passthrough: {enabled: 1}", "hook.yaml:/passthrough/enabled: expected true or false"},
        {"passthrough: {allowedResourceNames: nvidia.com/gpu}",
         "hook.yaml:/passthrough/allowedResourceNames: expected a list of strings"},
        {"passthrough: {deniedResourceNames: [1]}", "hook.yaml:/passthrough/deniedResourceNames/0: expected a string"},
        {"passthrough: {deniedResourceNames: [/dev/sda]}",
         "hook.yaml:/passthrough/deniedResourceNames/0: '/dev/sda' is not a resource name or <domain>/*: it starts "
         "with '/', like a path"},
        {"passthrough: {allowedResourceNames: ['*']}",
         "hook.yaml:/passthrough/allowedResourceNames/0: '*' is not a resource name or <domain>/*: it has no '/' "
         "between a domain and a name"},
        {"passthrough: {enable: false}",
         "hook.yaml:/passthrough/enable: unknown key 'enable'; check the spelling against oci-kubevirt-hook(1)"},
        {"permittedHostDevices: {usb: [{resourceName: kubevirt.io/storage, selector: []}]}",
         "hook.yaml:/permittedHostDevices/usb/0/selector: unknown key 'selector'; check the spelling against "
         "oci-kubevirt-hook(1)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.yaml);
        CHECK(error_of([&] { parse(c.yaml); }) == c.error);
    }
}

TEST_CASE("a pasted KubeVirt permittedHostDevices section loads, USB included") {
    auto config = parse(
        "permittedHostDevices:\n"
        "  pciHostDevices:\n"
        "  - pciVendorSelector: 10DE:1EB8\n"
        "    resourceName: nvidia.com/TU104GL_Tesla_T4\n"
        "    externalResourceProvider: true\n"
        "  mediatedDevices:\n"
        "  - mdevNameSelector: GRID T4-1Q\n"
        "    resourceName: nvidia.com/GRID_T4-1Q\n"
        "  usb:\n"
        "  - resourceName: kubevirt.io/storage\n"
        "    selectors:\n"
        "    - vendor: '46f4'\n"
        "      product: '0001'\n");
    REQUIRE(config.pci_host_devices.size() == 1);
    CHECK(config.pci_host_devices[0].vendor_selector == "10de:1eb8");
    CHECK(config.pci_host_devices[0].external_resource_provider);
    CHECK(config.usb_resource_names == std::vector<std::string>{"kubevirt.io/storage"});
}
