// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/vmi_defaults.hpp"

#include "core/kubevirt/api_defaults.hpp"
#include "core/kubevirt/hotplug.hpp"
#include "core/kubevirt/network_defaults.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/kubevirt/vm_defaults.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

void set_default_resource_requests(Json& domain) {
    Json* resources = spec::get(domain, "resources");
    const Json* limits = resources ? spec::get(*resources, "limits") : nullptr;
    if (!limits || spec::quantity_or_zero(*limits, "cpu").is_zero()) return;
    Json& requests = spec::object(*resources, "requests");
    if (spec::quantity_or_zero(requests, "cpu").is_zero()) requests["cpu"] = limits->at("cpu");
    // The default cluster cpuRequest (100m) adds nothing to the VMI.
}

void set_guest_memory(Json& domain) {
    Json& memory = spec::object(domain, "memory");
    if (spec::has(memory, "guest")) return;
    const Json* resources = spec::get(domain, "resources");
    for (const char* list : {"requests", "limits"})
        if (const Json* r = resources ? spec::get(*resources, list) : nullptr)
            if (auto q = spec::quantity(*r, "memory"); q && !q->is_zero()) {
                memory["guest"] = q->str();
                return;
            }
    if (const Json* hugepages = spec::get(memory, "hugepages"))
        if (auto size = Quantity::try_parse(spec::string(*hugepages, "pageSize"))) memory["guest"] = size->str();
}

void set_default_cpu_topology(Json& domain) {
    Json& cpu = spec::object(domain, "cpu");
    if (spec::u32(cpu, "cores") != 0 || spec::u32(cpu, "sockets") != 0 || spec::u32(cpu, "threads") != 0) return;
    // Sockets perform best (https://bugzilla.redhat.com/show_bug.cgi?id=1653453).
    std::uint32_t sockets = 1;
    const Json* resources = spec::get(domain, "resources");
    const Json* limits = resources ? spec::get(*resources, "limits") : nullptr;
    const Json* requests = resources ? spec::get(*resources, "requests") : nullptr;
    if (limits && limits->contains("cpu")) sockets = static_cast<std::uint32_t>(spec::quantity_or_zero(*limits, "cpu").value());
    else if (requests && requests->contains("cpu"))
        sockets = static_cast<std::uint32_t>(spec::quantity_or_zero(*requests, "cpu").value());
    cpu["sockets"] = sockets;
    cpu["cores"] = 1;
    cpu["threads"] = 1;
}

void set_default_pull_policies(Json& vmi_spec) {
    Json* volumes = spec::get(vmi_spec, "volumes");
    if (!volumes) return;
    for (auto& volume : *volumes) {
        Json* disk = spec::get(volume, "containerDisk");
        if (!disk || !spec::string(*disk, "imagePullPolicy").empty()) continue;
        const std::string image = spec::string(*disk, "image");
        const bool latest = text::ends_with(image, ":latest") || image.find_first_of(":@") == std::string::npos;
        (*disk)["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
    }
}

/// Fills an empty bus on every disk, cdrom and lun.
void set_disk_bus(Json& devices, const char* bus) {
    Json* disks = spec::get(devices, "disks");
    if (!disks) return;
    for (auto& disk : *disks)
        for (const char* target : {"disk", "cdrom", "lun"})
            if (Json* t = spec::get(disk, target); t && spec::string(*t, "bus").empty()) (*t)["bus"] = bus;
}

void set_watchdog(Json& devices, const char* model) {
    Json* watchdog = spec::get(devices, "watchdog");
    if (!watchdog) return;
    Json& device = spec::object(*watchdog, model);
    if (spec::string(device, "action").empty()) device["action"] = "reset";
}

void set_architecture_defaults(Json& vmi_spec) {
    const std::string arch = spec::string(vmi_spec, "architecture");
    Json& domain = spec::object(vmi_spec, "domain");
    Json& devices = spec::object(domain, "devices");
    if (arch == "arm64") {
        Json& cpu = spec::object(domain, "cpu");
        if (spec::string(cpu, "model").empty()) cpu["model"] = "host-passthrough";
        Json& firmware = spec::object(domain, "firmware");
        if (!spec::has(firmware, "bootloader")) firmware["bootloader"] = {{"efi", {{"secureBoot", false}}}};
        set_disk_bus(devices, "virtio");
    } else if (arch == "s390x") {
        set_disk_bus(devices, "virtio");
        set_watchdog(devices, "diag288");
    } else {
        set_disk_bus(devices, "sata");
        set_watchdog(devices, "i6300esb");
    }
    Json& cpu = spec::object(domain, "cpu");
    if (spec::string(cpu, "model").empty()) cpu["model"] = "host-model";
}

void set_status_from_spec(Json& vmi) {
    const Json& domain = vmi["spec"]["domain"];
    Json& status = spec::object(vmi, "status");
    if (const Json* memory = spec::get(domain, "memory"))
        if (const Json* guest = spec::get(*memory, "guest"))
            status["memory"] = {{"guestAtBoot", *guest}, {"guestCurrent", *guest}, {"guestRequested", *guest}};
    if (const Json* cpu = spec::get(domain, "cpu"); cpu && !spec::has(status, "currentCPUTopology")) {
        Json topology = Json::object();
        for (const char* key : {"sockets", "cores", "threads"})
            if (std::uint32_t n = spec::u32(*cpu, key)) topology[key] = n;
        status["currentCPUTopology"] = std::move(topology);
    }
}

}  // namespace

void set_default_vmi_spec(Json& vmi_spec, const ExpansionContext& ctx) {
    set_default_architecture(vmi_spec, ctx);
    Json& domain = spec::object(vmi_spec, "domain");
    Json& machine = spec::object(domain, "machine");
    if (spec::string(machine, "type").empty())
        machine["type"] = default_machine_type(spec::string(vmi_spec, "architecture"));
    set_default_resource_requests(domain);
    set_guest_memory(domain);
    set_default_cpu_topology(domain);
    set_default_pull_policies(vmi_spec);
    if (!spec::has(vmi_spec, "evictionStrategy")) vmi_spec["evictionStrategy"] = "None";
    set_default_network_interface(vmi_spec);
    set_default_volume_disks(vmi_spec);
}

void finish_vmi_defaults(Json& vmi, const ExpansionContext& ctx) {
    Json& vmi_spec = vmi["spec"];
    const std::string arch = spec::string(vmi_spec, "architecture");
    if (arch == "s390x") {
        Json& acpi = spec::object(spec::object(spec::object(vmi_spec, "domain"), "features"), "acpi");
        if (!spec::has(acpi, "enabled")) acpi["enabled"] = false;
    }
    apply_api_defaults(vmi);
    set_hyperv_dependencies(vmi_spec, ctx);
    set_architecture_defaults(vmi_spec);
    set_status_from_spec(vmi);
    if (arch != "arm64") setup_hotplug(vmi_spec);
}

}  // namespace kvpod::kubevirt
