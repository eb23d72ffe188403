// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/instancetype.hpp"

#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/preference.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

using Conflicts = std::vector<std::string>;

void apply_node_selector(const Json& it, Json& vmi_spec, Conflicts& conflicts, const ExpansionContext& ctx) {
    const Json* selector = spec::get(it, "nodeSelector");
    if (!selector) return;
    if (spec::has(vmi_spec, "nodeSelector")) return conflicts.push_back(ctx.field("nodeSelector"));
    vmi_spec["nodeSelector"] = *selector;
}

void apply_scheduler_name(const Json& it, Json& vmi_spec, Conflicts& conflicts, const ExpansionContext& ctx) {
    std::string name = spec::string(it, "schedulerName");
    if (name.empty()) return;
    if (!spec::string(vmi_spec, "schedulerName").empty()) return conflicts.push_back(ctx.field("schedulerName"));
    vmi_spec["schedulerName"] = name;
}

/// The topology of `vcpus` guest CPUs under the preference's topology.
void apply_guest_topology(std::uint32_t vcpus, const Json* preference, Json& cpu) {
    std::uint32_t sockets = 1, cores = 1, threads = 1;
    if (vcpus != 1) {
        const std::string topology = preferred_cpu_topology(preference);
        if (topology == "cores" || topology == "preferCores") {
            cores = vcpus;
        } else if (topology == "sockets" || topology == "preferSockets" || topology == "any" || topology == "preferAny") {
            sockets = vcpus;
        } else if (topology == "threads" || topology == "preferThreads") {
            threads = vcpus;
        } else if (topology == "spread" || topology == "preferSpread") {
            SpreadOptions spread = spread_options(*preference);
            if (spread.across == "SocketsCores") {
                cores = spread.ratio;
                sockets = vcpus / spread.ratio;
            } else if (spread.across == "CoresThreads") {
                threads = spread.ratio;
                cores = vcpus / spread.ratio;
            } else if (spread.across == "SocketsCoresThreads") {
                threads = 2;
                cores = spread.ratio;
                sockets = vcpus / 2 / spread.ratio;
            }
        }
    }
    cpu["sockets"] = sockets;
    cpu["cores"] = cores;
    cpu["threads"] = threads;
}

void apply_cpu(const Json& it, const Json* preference, Json& vmi_spec, Conflicts& conflicts,
               const ExpansionContext& ctx) {
    Json& domain = spec::object(vmi_spec, "domain");
    Json& cpu = spec::object(domain, "cpu");
    const Json& it_cpu = it.at("cpu");
    Conflicts found;
    const Json* resources = spec::get(domain, "resources");
    for (const char* list : {"requests", "limits"})
        if (const Json* r = resources ? spec::get(*resources, list) : nullptr; r && r->contains("cpu"))
            found.push_back(ctx.field(std::string("domain.resources.") + list + ".cpu"));
    for (const char* key : {"sockets", "cores", "threads"})
        if (spec::u32(cpu, key) != 0) found.push_back(ctx.field(std::string("domain.cpu.") + key));
    if (!spec::string(cpu, "model").empty() && spec::has(it_cpu, "model")) found.push_back(ctx.field("domain.cpu.model"));
    if (spec::flag(cpu, "dedicatedCpuPlacement") && spec::has(it_cpu, "dedicatedCPUPlacement"))
        found.push_back(ctx.field("domain.cpu.dedicatedCpuPlacement"));
    if (spec::flag(cpu, "isolateEmulatorThread") && spec::has(it_cpu, "isolateEmulatorThread"))
        found.push_back(ctx.field("domain.cpu.isolateEmulatorThread"));
    for (const char* key : {"numa", "realtime"})
        if (spec::has(cpu, key) && spec::has(it_cpu, key)) found.push_back(ctx.field(std::string("domain.cpu.") + key));
    if (!found.empty()) {
        conflicts.insert(conflicts.end(), found.begin(), found.end());
        return;
    }

    if (const Json* model = spec::get(it_cpu, "model")) cpu["model"] = *model;
    if (auto v = spec::optional_bool(it_cpu, "dedicatedCPUPlacement")) spec::set_flag(cpu, "dedicatedCpuPlacement", *v);
    if (auto v = spec::optional_bool(it_cpu, "isolateEmulatorThread")) spec::set_flag(cpu, "isolateEmulatorThread", *v);
    for (const char* key : {"numa", "realtime", "maxSockets"})
        if (const Json* v = spec::get(it_cpu, key)) cpu[key] = *v;
    apply_guest_topology(spec::u32(it_cpu, "guest"), preference, cpu);
}

void apply_memory(const Json& it, Json& vmi_spec, Conflicts& conflicts, const ExpansionContext& ctx) {
    Json& domain = spec::object(vmi_spec, "domain");
    Json& memory = spec::object(domain, "memory");
    const Json& it_memory = it.at("memory");
    const Json* resources = spec::get(domain, "resources");
    auto resource_has = [&](const char* list) {
        const Json* r = resources ? spec::get(*resources, list) : nullptr;
        return r && r->contains("memory");
    };
    // KubeVirt reports only the first memory conflict.
    if (spec::has(memory, "guest")) return conflicts.push_back(ctx.field("domain.memory.guest"));
    if (spec::has(memory, "hugepages") && spec::has(it_memory, "hugepages"))
        return conflicts.push_back(ctx.field("domain.memory.hugepages"));
    if (spec::has(memory, "maxGuest") && spec::has(it_memory, "maxGuest"))
        return conflicts.push_back(ctx.field("domain.memory.maxGuest"));
    if (resource_has("requests")) return conflicts.push_back(ctx.field("domain.resources.requests.memory"));
    if (resource_has("limits")) return conflicts.push_back(ctx.field("domain.resources.limits.memory"));

    Quantity guest = Quantity::from_json(it_memory.at("guest"), "memory.guest");
    memory["guest"] = guest.str();
    if (std::int64_t percent = spec::i64(it_memory, "overcommitPercent"); percent > 0) {
        // KubeVirt computes this in float32; so do we, for the same bytes.
        float fraction = 1.0f - static_cast<float>(percent) / 100.0f;
        auto requested = static_cast<std::int64_t>(static_cast<float>(guest.value()) * fraction);
        spec::object(spec::object(domain, "resources"), "requests")["memory"] =
            Quantity::of(requested, guest.format()).str();
    }
    for (const char* key : {"hugepages", "maxGuest"})
        if (const Json* v = spec::get(it_memory, key)) memory[key] = *v;
}

/// ioThreads.supplementalPoolThreadCount, ioThreadsPolicy, launchSecurity,
/// gpus, hostDevices: a conflict when the VM has one, else copied.
void apply_copied_fields(const Json& it, Json& vmi_spec, Conflicts& conflicts, const ExpansionContext& ctx) {
    Json& domain = spec::object(vmi_spec, "domain");
    if (const Json* io = spec::get(it, "ioThreads"); io && spec::has(*io, "supplementalPoolThreadCount")) {
        const Json* vmi_io = spec::get(domain, "ioThreads");
        if (vmi_io && spec::has(*vmi_io, "supplementalPoolThreadCount"))
            conflicts.push_back(ctx.field("domain.ioThreads.supplementalPoolThreadCount"));
        else
            spec::object(domain, "ioThreads")["supplementalPoolThreadCount"] = io->at("supplementalPoolThreadCount");
    }
    for (const char* key : {"ioThreadsPolicy", "launchSecurity"}) {
        const Json* v = spec::get(it, key);
        if (!v) continue;
        if (spec::has(domain, key)) conflicts.push_back(ctx.field(std::string("domain.") + key));
        else domain[key] = *v;
    }
    for (const char* key : {"gpus", "hostDevices"}) {
        if (!spec::has_items(it, key)) continue;
        Json& devices = spec::object(domain, "devices");
        if (spec::has_items(devices, key)) conflicts.push_back(ctx.field(std::string("domain.devices.") + key));
        else devices[key] = it.at(key);
    }
}

void apply_annotations(const Json& it, Json& vmi_metadata, Conflicts& conflicts, const ExpansionContext& ctx) {
    const Json* wanted = spec::get(it, "annotations");
    if (!wanted) return;
    Json& annotations = spec::object(vmi_metadata, "annotations");
    for (const auto& [key, value] : wanted->items()) {
        if (!annotations.contains(key)) annotations[key] = value;
        else if (annotations[key] != value) conflicts.push_back(ctx.metadata_field + ".annotations." + key);
    }
}

}  // namespace

void check_spread_topology(const Json* instancetype_spec, const Json* preference_spec, const ExpansionContext& ctx) {
    const std::string topology = preferred_cpu_topology(preference_spec);
    if (!instancetype_spec || (topology != "spread" && topology != "preferSpread")) return;
    const SpreadOptions spread = spread_options(*preference_spec);
    const std::uint32_t guest = spec::u32(instancetype_spec->at("cpu"), "guest");
    const std::string where = ctx.instancetype_source + ":/spec/cpu/guest";
    const std::string fix = "choose an instancetype whose vCPUs divide evenly, or another preferredCPUTopology";
    const std::string ratio_names = "Spec.PreferSpreadSocketToCoreRatio or Spec.CPU.PreferSpreadOptions.Ratio";
    const std::string count = std::to_string(guest) + " vCPUs provided by the instance type are not divisible by the ";
    if (spread.across == "SocketsCores" && guest % spread.ratio != 0)
        throw Error(count + ratio_names + " of " + std::to_string(spread.ratio) + " provided by the preference", where, fix);
    if (spread.across == "CoresThreads" && guest % spread.ratio != 0)
        throw Error(count + "number of threads per core " + std::to_string(spread.ratio), where, fix);
    if (spread.across == "SocketsCoresThreads" && (guest % 2 != 0 || (guest / 2) % spread.ratio != 0))
        throw Error(count + "number of threads per core 2 and " + ratio_names + " of " + std::to_string(spread.ratio),
                    where, fix);
}

void apply_instancetype_and_preference(const Json* instancetype_spec, const Json* preference_spec, Json& vmi_spec,
                                       Json& vmi_metadata, const ExpansionContext& ctx) {
    if (instancetype_spec) {
        Conflicts conflicts;
        apply_node_selector(*instancetype_spec, vmi_spec, conflicts, ctx);
        apply_scheduler_name(*instancetype_spec, vmi_spec, conflicts, ctx);
        apply_cpu(*instancetype_spec, preference_spec, vmi_spec, conflicts, ctx);
        apply_memory(*instancetype_spec, vmi_spec, conflicts, ctx);
        apply_copied_fields(*instancetype_spec, vmi_spec, conflicts, ctx);
        apply_annotations(*instancetype_spec, vmi_metadata, conflicts, ctx);
        if (!conflicts.empty())
            throw Error("VMI conflicts with instancetype spec in fields: [" + text::join(conflicts, ", ") + "]",
                        ctx.source, "remove these fields from the VM: the instancetype sets them");
    }
    if (preference_spec) apply_preference(*preference_spec, vmi_spec, vmi_metadata);
}

}  // namespace kvpod::kubevirt
