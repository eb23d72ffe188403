// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/network_defaults.hpp"

#include <map>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

const Json kEmptyList = Json::array();

const Json& list_at(const Json& parent, const char* key) {
    const Json* v = spec::get(parent, key);
    return v ? *v : kEmptyList;
}

const Json& interfaces_of(const Json& vmi_spec) {
    const Json* domain = spec::get(vmi_spec, "domain");
    const Json* devices = domain ? spec::get(*domain, "devices") : nullptr;
    return devices ? list_at(*devices, "interfaces") : kEmptyList;
}

bool is_multus_default(const Json& net) {
    const Json* multus = spec::get(net, "multus");
    return multus && spec::flag(*multus, "default");
}

class Problems {
public:
    explicit Problems(const ExpansionContext& ctx) : ctx_(ctx) {}
    void add(const std::string& relative, const std::string& what) { items_.push_back(pointer(relative) + ": " + what); }
    std::string pointer(const std::string& relative) const { return ctx_.spec_pointer + relative; }
    void finish() const {
        if (items_.empty()) return;
        throw Error("invalid network configuration: " + text::join(items_, " | "), ctx_.source,
                    "KubeVirt allows one interface per network and one interface on the pod network");
    }

private:
    const ExpansionContext& ctx_;
    std::vector<std::string> items_;
};

void check_networks(const Json& networks, const Json& interfaces, Problems& problems) {
    std::map<std::string, std::size_t> seen;
    std::vector<std::string> pods, multus_defaults;
    for (std::size_t i = 0; i < networks.size(); ++i) {
        const Json& net = networks[i];
        const std::string at = "/networks/" + std::to_string(i);
        const std::string name = spec::string(net, "name");
        if (!seen.emplace(name, i).second)
            problems.add(at + "/name", "network name " + text::quoted(name) + " is used twice; every network needs a unique name");
        const bool pod = spec::has(net, "pod"), multus = spec::has(net, "multus");
        if (!pod && !multus) problems.add(at, "network " + text::quoted(name) + " has no source; set pod: {} or multus");
        if (pod && multus) problems.add(at, "network " + text::quoted(name) + " has both pod and multus; keep one");
        if (pod) pods.push_back(problems.pointer(at));
        if (is_multus_default(net)) multus_defaults.push_back(problems.pointer(at));
        if (multus && spec::string(net.at("multus"), "networkName").empty())
            problems.add(at + "/multus", "a multus network needs a networkName");
        bool used = false;
        for (const auto& iface : interfaces) used = used || spec::string(iface, "name") == name;
        if (!used) problems.add(at, "network " + text::quoted(name) + " has no interface of that name");
    }
    if (pods.size() > 1)
        problems.add("/networks", "more than one network is a pod network (" + text::join(pods, ", ") +
                                      "); only one interface may connect to the pod network");
    if (multus_defaults.size() > 1)
        problems.add("/networks", "Multus CNI should only have one default network");
    if (!pods.empty() && !multus_defaults.empty())
        problems.add("/networks", "Pod network cannot be defined when Multus default network is defined");
}

void check_interfaces(const Json& vmi_spec, const Json& interfaces, Problems& problems) {
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < interfaces.size(); ++i) {
        const Json& iface = interfaces[i];
        const std::string at = "/domain/devices/interfaces/" + std::to_string(i);
        const std::string name = spec::string(iface, "name");
        if (!seen.emplace(name, i).second)
            problems.add(at + "/name", "interface name " + text::quoted(name) +
                                           " is used twice; only one interface can be connected to one network");
        const Json* net = find_network(vmi_spec, name);
        if (!net) problems.add(at + "/name", "interface " + text::quoted(name) + " has no network of that name");
        const bool on_pod = net && spec::has(*net, "pod");
        if (spec::has(iface, "passtBinding") && net && !on_pod)
            problems.add(at + "/passtBinding", "PasstBinding interface only implemented with pod network");
        if (spec::has(iface, "masquerade") && net && !on_pod)
            problems.add(at + "/masquerade", "Masquerade interface only implemented with pod network");
        if (spec::has(iface, "slirp")) problems.add(at + "/slirp", "Slirp interface support has been discontinued since v1.3");
        if (spec::has(iface, "passt")) problems.add(at + "/passt", "Passt network binding has been discontinued since v1.3; use passtBinding");
        if (spec::has(iface, "macvtap")) problems.add(at + "/macvtap", "Macvtap network binding has been discontinued since v1.3");
    }
}

}  // namespace

const Json* find_network(const Json& vmi_spec, const std::string& name) {
    for (const auto& net : list_at(vmi_spec, "networks"))
        if (spec::string(net, "name") == name) return &net;
    return nullptr;
}

void set_default_network_interface(Json& vmi_spec) {
    Json& devices = spec::object(spec::object(vmi_spec, "domain"), "devices");
    if (spec::optional_bool(devices, "autoattachPodInterface") == false) return;
    if (spec::has_items(vmi_spec, "networks") || spec::has_items(devices, "interfaces")) return;
    devices["interfaces"] = Json::array({{{"name", "default"}, {"bridge", Json::object()}}});
    vmi_spec["networks"] = Json::array({{{"name", "default"}, {"pod", Json::object()}}});
}

void validate_networks(const Json& vmi_spec, const ExpansionContext& ctx) {
    Problems problems(ctx);
    const Json& interfaces = interfaces_of(vmi_spec);
    check_networks(list_at(vmi_spec, "networks"), interfaces, problems);
    check_interfaces(vmi_spec, interfaces, problems);
    problems.finish();
}

}  // namespace kvpod::kubevirt
