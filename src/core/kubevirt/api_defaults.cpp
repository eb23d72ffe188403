// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/api_defaults.hpp"

#include <array>

#include "core/error.hpp"
#include "core/kubevirt/firmware_uuid.hpp"
#include "core/kubevirt/spec_json.hpp"

namespace kvpod::kubevirt {
namespace {

/// SetDefaults_FeatureState and friends: `enabled` defaults to true (clock
/// timers call the same field `present`).
void enable_unless_set(Json& state, const char* field = "enabled") {
    if (!spec::has(state, field)) state[field] = true;
}

void enable_if_present(Json& parent, const char* key, const char* field = "enabled") {
    if (Json* state = spec::get(parent, key)) enable_unless_set(*state, field);
}

void default_disks(Json& devices) {
    Json* disks = spec::get(devices, "disks");
    if (!disks) return;
    for (auto& disk : *disks) {
        if (!spec::has(disk, "disk") && !spec::has(disk, "cdrom") && !spec::has(disk, "lun")) disk["disk"] = Json::object();
        if (Json* cdrom = spec::get(disk, "cdrom")) {
            if (!spec::has(*cdrom, "readonly")) (*cdrom)["readonly"] = true;
            if (spec::string(*cdrom, "tray").empty()) (*cdrom)["tray"] = "closed";
        }
        if (Json* block = spec::get(disk, "blockSize")) enable_if_present(*block, "matchVolume");
    }
}

void default_inputs_and_gpus(Json& devices) {
    if (Json* inputs = spec::get(devices, "inputs"))
        for (auto& input : *inputs) {
            if (spec::string(input, "bus").empty()) input["bus"] = "usb";
            if (spec::string(input, "type").empty()) input["type"] = "tablet";
        }
    if (Json* gpus = spec::get(devices, "gpus"))
        for (auto& gpu : *gpus)
            if (Json* options = spec::get(gpu, "virtualGPUOptions"))
                if (Json* display = spec::get(*options, "display")) enable_if_present(*display, "ramFB");
}

void default_probe(Json& vmi_spec, const char* key) {
    Json* probe = spec::get(vmi_spec, key);
    if (!probe) return;
    static constexpr std::array<std::pair<const char*, int>, 4> kMinimums = {
        {{"timeoutSeconds", 1}, {"periodSeconds", 10}, {"successThreshold", 1}, {"failureThreshold", 3}}};
    for (auto [field, fallback] : kMinimums)
        if (spec::i64(*probe, field) < 1) (*probe)[field] = fallback;
}

void default_hyperv(Json& hyperv) {
    for (const char* key : {"relaxed", "vapic", "vpindex", "runtime", "synic", "reset", "frequencies", "reenlightenment",
                            "ipi", "evmcs", "vendorid"})
        enable_if_present(hyperv, key);
    if (Json* spinlocks = spec::get(hyperv, "spinlocks")) {
        enable_unless_set(*spinlocks);
        if (spec::flag(*spinlocks, "enabled") && !spec::has(*spinlocks, "spinlocks")) (*spinlocks)["spinlocks"] = 4096;
    }
    if (Json* timer = spec::get(hyperv, "synictimer")) {
        enable_unless_set(*timer);
        enable_if_present(*timer, "direct");
    }
    if (Json* flush = spec::get(hyperv, "tlbflush")) {
        enable_unless_set(*flush);
        enable_if_present(*flush, "direct");
        enable_if_present(*flush, "extended");
    }
}

void default_features_and_clock(Json& domain) {
    Json& features = spec::object(domain, "features");
    enable_unless_set(spec::object(features, "acpi"));
    for (const char* key : {"apic", "smm", "pvspinlock"}) enable_if_present(features, key);
    if (Json* hyperv = spec::get(features, "hyperv")) default_hyperv(*hyperv);
    if (Json* clock = spec::get(domain, "clock"))
        if (Json* timer = spec::get(*clock, "timer"))
            for (const char* key : {"hpet", "kvm", "pit", "rtc", "hyperv"}) enable_if_present(*timer, key, "present");
}

// --- Hyper-V dependencies ---

bool is_enabled(const Json* state) { return state && spec::flag(*state, "enabled"); }
bool is_missing(const Json* state) { return !state || !spec::has(*state, "enabled"); }

void require(Json& hyperv, const char* feature, const char* requirement, const ExpansionContext& ctx) {
    if (!is_enabled(spec::get(hyperv, feature))) return;
    Json* required = spec::get(hyperv, requirement);
    if (is_missing(required)) {
        spec::object(hyperv, requirement)["enabled"] = true;
        return;
    }
    if (is_enabled(required)) return;
    const std::string base = "domain.features.hyperv.";
    throw Error("'" + ctx.field(base + feature) + "' requires '" + ctx.field(base + requirement) +
                    "', which was disabled.",
                ctx.at("/domain/features/hyperv/" + std::string(requirement)),
                std::string("enable ") + requirement + " or disable " + feature);
}

void require_vmx(Json& domain) {
    Json& features = spec::array(spec::object(domain, "cpu"), "features");
    for (auto& f : features)
        if (spec::string(f, "name") == "vmx") {
            f["policy"] = "require";
            return;
        }
    features.push_back({{"name", "vmx"}, {"policy", "require"}});
}

}  // namespace

void apply_api_defaults(Json& vmi) {
    Json& vmi_spec = vmi["spec"];
    Json& domain = spec::object(vmi_spec, "domain");
    Json& firmware = spec::object(domain, "firmware");
    if (spec::string(firmware, "uuid").empty())
        firmware["uuid"] = legacy_firmware_uuid(spec::string(spec::object(vmi, "metadata"), "name"));
    default_features_and_clock(domain);
    Json& devices = spec::object(domain, "devices");
    default_disks(devices);
    default_inputs_and_gpus(devices);
    default_probe(vmi_spec, "readinessProbe");
    default_probe(vmi_spec, "livenessProbe");
}

void set_hyperv_dependencies(Json& vmi_spec, const ExpansionContext& ctx) {
    Json& domain = spec::object(vmi_spec, "domain");
    Json* features = spec::get(domain, "features");
    Json* hyperv = features ? spec::get(*features, "hyperv") : nullptr;
    if (!hyperv) return;
    // KubeVirt's order: leaves first, so that a requirement enabled on the way
    // has its own requirement enabled after it.
    require(*hyperv, "evmcs", "vapic", ctx);
    require(*hyperv, "ipi", "vpindex", ctx);
    require(*hyperv, "tlbflush", "vpindex", ctx);
    require(*hyperv, "synictimer", "synic", ctx);
    require(*hyperv, "synic", "vpindex", ctx);
    if (const Json* evmcs = spec::get(*hyperv, "evmcs"); evmcs && spec::optional_bool(*evmcs, "enabled") != false)
        require_vmx(domain);
}

}  // namespace kvpod::kubevirt
