// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/vm_defaults.hpp"

#include <set>

#include "core/error.hpp"
#include "core/kubevirt/firmware_uuid.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {

bool is_supported_architecture(std::string_view arch) {
    return arch == "amd64" || arch == "arm64" || arch == "s390x";
}

std::string default_machine_type(std::string_view arch) {
    if (arch == "arm64") return "virt";
    if (arch == "s390x") return "s390-ccw-virtio";
    return "q35";
}

void set_default_architecture(Json& vmi_spec, const ExpansionContext& ctx) {
    std::string arch = spec::string(vmi_spec, "architecture");
    if (!arch.empty()) {
        if (!is_supported_architecture(arch))
            throw Error("architecture " + text::quoted(arch) + " is not supported by KubeVirt v1.8",
                        ctx.at("/architecture"), "use amd64, arm64 or s390x");
        return;
    }
    if (!is_supported_architecture(ctx.options.host_architecture))
        throw Error("the host architecture " + text::quoted(ctx.options.host_architecture) +
                        " is not supported by KubeVirt v1.8",
                    ctx.at("/architecture"), "set the VM's architecture to amd64, arm64 or s390x");
    vmi_spec["architecture"] = ctx.options.host_architecture;
}

void apply_vm_defaults(Json& template_spec, const Json* preference_spec, const ExpansionContext& ctx) {
    Json& domain = spec::object(template_spec, "domain");
    if (preference_spec) {
        std::string preferred_arch = spec::string(*preference_spec, "preferredArchitecture");
        if (!preferred_arch.empty() && spec::string(template_spec, "architecture").empty()) {
            if (!is_supported_architecture(preferred_arch))
                throw Error("preferredArchitecture " + text::quoted(preferred_arch) +
                                " is not supported by KubeVirt v1.8",
                            ctx.preference_source + ":/spec/preferredArchitecture",
                            "use amd64, arm64 or s390x");
            template_spec["architecture"] = preferred_arch;
        }
        std::string preferred_machine;
        if (const Json* machine = spec::get(*preference_spec, "machine"))
            preferred_machine = spec::string(*machine, "preferredMachineType");
        const Json* machine = spec::get(domain, "machine");
        if (!preferred_machine.empty() && (!machine || spec::string(*machine, "type").empty()))
            spec::object(domain, "machine")["type"] = preferred_machine;
    }
    set_default_architecture(template_spec, ctx);
    Json& machine = spec::object(domain, "machine");
    if (spec::string(machine, "type").empty())
        machine["type"] = default_machine_type(spec::string(template_spec, "architecture"));
}

Json setup_vmi_from_vm(const Json& vm, const std::string& namespace_name) {
    const Json& metadata = vm.at("metadata");
    const Json& tmpl = vm.at("spec").at("template");
    const std::string name = metadata.at("name").get<std::string>();

    Json vmi_metadata = Json::object();
    if (const Json* m = spec::get(tmpl, "metadata")) vmi_metadata = *m;
    vmi_metadata["name"] = name;
    vmi_metadata.erase("generateName");
    vmi_metadata["namespace"] = namespace_name;
    vmi_metadata["ownerReferences"] = Json::array({{
        {"apiVersion", "kubevirt.io/v1"},
        {"kind", "VirtualMachine"},
        {"name", name},
        {"uid", spec::string(metadata, "uid")},
        {"controller", true},
        {"blockOwnerDeletion", true},
    }});

    Json vmi_spec = tmpl.at("spec");
    Json& firmware = spec::object(spec::object(vmi_spec, "domain"), "firmware");
    if (spec::string(firmware, "uuid").empty()) firmware["uuid"] = legacy_firmware_uuid(name);
    set_default_volume_disks(vmi_spec);

    return Json{{"apiVersion", "kubevirt.io/v1"},
                {"kind", "VirtualMachineInstance"},
                {"metadata", std::move(vmi_metadata)},
                {"spec", std::move(vmi_spec)}};
}

void set_default_volume_disks(Json& vmi_spec) {
    const Json* volumes = spec::get(vmi_spec, "volumes");
    if (!volumes || volumes->empty()) return;
    Json& devices = spec::object(spec::object(vmi_spec, "domain"), "devices");
    std::set<std::string> named;
    for (const char* list : {"disks", "filesystems"})
        if (const Json* items = spec::get(devices, list))
            for (const auto& item : *items) named.insert(spec::string(item, "name"));
    for (const auto& volume : *volumes) {
        std::string name = spec::string(volume, "name");
        if (named.count(name)) continue;
        spec::array(devices, "disks").push_back({{"name", name}});
        named.insert(name);
    }
}

void auto_attach_input_device(Json& vmi_spec) {
    Json& devices = spec::object(spec::object(vmi_spec, "domain"), "devices");
    if (spec::optional_bool(devices, "autoattachInputDevice") != true || spec::has_items(devices, "inputs")) return;
    spec::array(devices, "inputs").push_back({{"name", "default-0"}});
}

}  // namespace kvpod::kubevirt
