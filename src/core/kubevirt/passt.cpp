// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/passt.hpp"

#include "core/kubevirt/network_defaults.hpp"
#include "core/kubevirt/spec_json.hpp"

namespace kvpod::kubevirt {

void apply_passt(Json& vmi_spec, const ExpansionContext& ctx) {
    Json* domain = spec::get(vmi_spec, "domain");
    Json* devices = domain ? spec::get(*domain, "devices") : nullptr;
    Json* interfaces = devices ? spec::get(*devices, "interfaces") : nullptr;
    if (!interfaces) return;
    for (std::size_t i = 0; i < interfaces->size(); ++i) {
        Json& iface = (*interfaces)[i];
        const Json* net = find_network(vmi_spec, spec::string(iface, "name"));
        if (!net || !spec::has(*net, "pod")) continue;
        const std::string at = ctx.at("/domain/devices/interfaces/" + std::to_string(i));
        if (!ctx.options.passt) {
            for (const char* binding : {"bridge", "masquerade"})
                if (spec::has(iface, binding))
                    ctx.warn(at, std::string("the ") + binding +
                                     " binding needs virt-handler to plumb the pod network, and standalone mode has "
                                     "none: the guest will have no network; leave out --no-passt to use passt");
            continue;
        }
        if (const Json* plugin = spec::get(iface, "binding")) {
            if (spec::string(*plugin, "name") != "passt") continue;  // rejected by standalone_checks
            ctx.warn(at + "/binding", "the passt network binding plugin is replaced by KubeVirt v1.8's core passtBinding");
            iface.erase("binding");
        }
        for (const char* binding : {"bridge", "masquerade", "slirp", "passt"}) iface.erase(binding);
        iface["passtBinding"] = Json::object();
    }
}

}  // namespace kvpod::kubevirt
