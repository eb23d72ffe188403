// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/standalone_status.hpp"

#include <array>
#include <cstdint>

#include "core/hash.hpp"

#include "core/kubevirt/network_defaults.hpp"
#include "core/kubevirt/spec_json.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr std::uint32_t kNonRootUser = 107;

std::string hashed_interface_name(const std::string& network_name) {
    std::string hex = hash::sha256_hex(network_name);
    // The kernel's 15-character limit, less the "-nic" suffix bridge binding adds.
    return "pod" + hex.substr(0, 11);
}

}  // namespace

std::string pod_interface_name(const Json& network) {
    const Json* multus = spec::get(network, "multus");
    if (multus && !spec::flag(*multus, "default")) return hashed_interface_name(spec::string(network, "name"));
    return "eth0";
}

void set_standalone_status(Json& vmi) {
    Json& status = spec::object(vmi, "status");
    status["runtimeUser"] = kNonRootUser;
    spec::object(status, "guestOSInfo");

    const Json& vmi_spec = vmi.at("spec");
    const Json* domain = spec::get(vmi_spec, "domain");
    const Json* devices = domain ? spec::get(*domain, "devices") : nullptr;
    const Json* interfaces = devices ? spec::get(*devices, "interfaces") : nullptr;
    Json entries = Json::array();
    if (interfaces)
        for (const auto& iface : *interfaces) {
            const std::string name = spec::string(iface, "name");
            if (const Json* net = find_network(vmi_spec, name))
                entries.push_back({{"name", name}, {"podInterfaceName", pod_interface_name(*net)}});
        }
    if (entries.empty()) status.erase("interfaces");
    else status["interfaces"] = std::move(entries);
}

}  // namespace kvpod::kubevirt
