// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/preference.hpp"

#include <array>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "core/kubevirt/preference_devices.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr std::array<std::string_view, 10> kTopologies = {"sockets",       "cores",       "threads",      "spread",
                                                          "any",           "preferSockets", "preferCores", "preferThreads",
                                                          "preferSpread",  "preferAny"};

void apply_cpu_preferences(const Json& pref, Json& vmi_spec) {
    const Json* cpu = spec::get(pref, "cpu");
    if (!cpu || !spec::has_items(*cpu, "preferredCPUFeatures")) return;
    Json& vmi_cpu = spec::object(spec::object(vmi_spec, "domain"), "cpu");
    std::set<std::string> present;
    if (const Json* features = spec::get(vmi_cpu, "features"))
        for (const auto& f : *features) present.insert(spec::string(f, "name"));
    for (const auto& f : cpu->at("preferredCPUFeatures"))
        if (!present.count(spec::string(f, "name"))) spec::array(vmi_cpu, "features").push_back(f);
}

void apply_firmware_preferences(const Json& pref, Json& vmi_spec) {
    const Json* firmware = spec::get(pref, "firmware");
    if (!firmware) return;
    Json& bootloader = spec::object(spec::object(spec::object(vmi_spec, "domain"), "firmware"), "bootloader");
    auto neither = [&] { return !spec::has(bootloader, "bios") && !spec::has(bootloader, "efi"); };

    if (spec::optional_bool(*firmware, "preferredUseBios") == true && neither()) bootloader["bios"] = Json::object();
    if (auto serial = spec::optional_bool(*firmware, "preferredUseBiosSerial")) {
        Json* bios = spec::get(bootloader, "bios");
        if (bios && !spec::has(*bios, "useSerial")) (*bios)["useSerial"] = *serial;
    }
    if (const Json* efi = spec::get(*firmware, "preferredEfi"); efi && neither()) {
        bootloader["efi"] = *efi;
        return;  // KubeVirt skips the deprecated preferredUseEfi/preferredUseSecureBoot then
    }
    if (spec::optional_bool(*firmware, "preferredUseEfi") == true && neither()) bootloader["efi"] = Json::object();
    if (auto secure = spec::optional_bool(*firmware, "preferredUseSecureBoot")) {
        Json* efi = spec::get(bootloader, "efi");
        if (efi && !spec::has(*efi, "secureBoot")) (*efi)["secureBoot"] = *secure;
    }
}

void apply_machine_preferences(const Json& pref, Json& vmi_spec) {
    const Json* machine = spec::get(pref, "machine");
    if (!machine) return;
    std::string type = spec::string(*machine, "preferredMachineType");
    if (type.empty()) return;
    Json& vmi_machine = spec::object(spec::object(vmi_spec, "domain"), "machine");
    if (spec::string(vmi_machine, "type").empty()) vmi_machine["type"] = type;
}

void apply_clock_preferences(const Json& pref, Json& vmi_spec) {
    const Json* clock = spec::get(pref, "clock");
    if (!clock) return;
    Json& vmi_clock = spec::object(spec::object(vmi_spec, "domain"), "clock");
    // The offset (utc or timezone) is replaced only as a whole, never merged.
    if (const Json* offset = spec::get(*clock, "preferredClockOffset");
        offset && !spec::has(vmi_clock, "utc") && !spec::has(vmi_clock, "timezone")) {
        for (const char* key : {"utc", "timezone"})
            if (const Json* v = spec::get(*offset, key)) vmi_clock[key] = *v;
    }
    if (const Json* timer = spec::get(*clock, "preferredTimer"); timer && !spec::has(vmi_clock, "timer"))
        vmi_clock["timer"] = *timer;
}

void apply_scalar_preferences(const Json& pref, Json& vmi_spec) {
    if (const Json* subdomain = spec::get(pref, "preferredSubdomain");
        subdomain && spec::string(vmi_spec, "subdomain").empty())
        vmi_spec["subdomain"] = *subdomain;
    if (const Json* grace = spec::get(pref, "preferredTerminationGracePeriodSeconds");
        grace && !spec::has(vmi_spec, "terminationGracePeriodSeconds"))
        vmi_spec["terminationGracePeriodSeconds"] = *grace;
    std::string arch = spec::string(pref, "preferredArchitecture");
    if (!arch.empty() && spec::string(vmi_spec, "architecture").empty()) vmi_spec["architecture"] = arch;
}

void apply_preference_annotations(const Json& pref, Json& vmi_metadata) {
    Json& annotations = spec::object(vmi_metadata, "annotations");
    if (const Json* wanted = spec::get(pref, "annotations"))
        for (const auto& [key, value] : wanted->items())
            if (!annotations.contains(key)) annotations[key] = value;
}

}  // namespace

std::string preferred_cpu_topology(const Json* preference_spec) {
    if (preference_spec)
        if (const Json* cpu = spec::get(*preference_spec, "cpu"))
            if (spec::has(*cpu, "preferredCPUTopology")) return spec::string(*cpu, "preferredCPUTopology");
    return "sockets";
}

SpreadOptions spread_options(const Json& preference_spec) {
    SpreadOptions out;
    if (spec::has(preference_spec, "preferSpreadSocketToCoreRatio") &&
        spec::u32(preference_spec, "preferSpreadSocketToCoreRatio") != 0)
        out.ratio = spec::u32(preference_spec, "preferSpreadSocketToCoreRatio");
    if (const Json* cpu = spec::get(preference_spec, "cpu"))
        if (const Json* options = spec::get(*cpu, "spreadOptions")) {
            if (spec::has(*options, "across")) out.across = spec::string(*options, "across");
            if (spec::has(*options, "ratio")) out.ratio = spec::u32(*options, "ratio");
        }
    return out;
}

void validate_preference(const Json& preference_spec, const ExpansionContext& ctx) {
    const std::string topology = preferred_cpu_topology(&preference_spec);
    bool known = false;
    for (auto t : kTopologies) known = known || t == topology;
    if (!known)
        throw Error("preferredCPUTopology " + text::quoted(topology) + " is not supported",
                    ctx.preference_source + ":/spec/cpu/preferredCPUTopology",
                    "use sockets, cores, threads, spread or any");
    if (topology != "spread" && topology != "preferSpread") return;
    SpreadOptions spread = spread_options(preference_spec);
    if (spread.ratio == 0)
        throw Error("the spread ratio is 0", ctx.preference_source + ":/spec/cpu/spreadOptions/ratio",
                    "set spreadOptions.ratio to 1 or more");
    if (spread.across != "SocketsCores" && spread.across != "CoresThreads" && spread.across != "SocketsCoresThreads")
        throw Error("spreadOptions.across " + text::quoted(spread.across) + " is not supported",
                    ctx.preference_source + ":/spec/cpu/spreadOptions/across",
                    "use SocketsCores, CoresThreads or SocketsCoresThreads");
}

void apply_auto_attach_preferences(const Json& preference_spec, Json& vmi_spec) {
    const Json* devices = spec::get(preference_spec, "devices");
    if (!devices) return;
    static constexpr std::array<std::pair<const char*, const char*>, 5> kFields = {{
        {"preferredAutoattachGraphicsDevice", "autoattachGraphicsDevice"},
        {"preferredAutoattachMemBalloon", "autoattachMemBalloon"},
        {"preferredAutoattachPodInterface", "autoattachPodInterface"},
        {"preferredAutoattachSerialConsole", "autoattachSerialConsole"},
        {"preferredAutoattachInputDevice", "autoattachInputDevice"},
    }};
    Json& vmi_devices = spec::object(spec::object(vmi_spec, "domain"), "devices");
    for (auto [preferred, field] : kFields)
        if (auto value = spec::optional_bool(*devices, preferred); value && !spec::has(vmi_devices, field))
            vmi_devices[field] = *value;
}

void apply_preference(const Json& preference_spec, Json& vmi_spec, Json& vmi_metadata) {
    apply_cpu_preferences(preference_spec, vmi_spec);
    apply_device_preferences(preference_spec, vmi_spec);
    apply_feature_preferences(preference_spec, vmi_spec);
    apply_firmware_preferences(preference_spec, vmi_spec);
    apply_machine_preferences(preference_spec, vmi_spec);
    apply_clock_preferences(preference_spec, vmi_spec);
    apply_scalar_preferences(preference_spec, vmi_spec);
    apply_preference_annotations(preference_spec, vmi_metadata);
}

}  // namespace kvpod::kubevirt
