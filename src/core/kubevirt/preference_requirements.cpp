// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/preference_requirements.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/preference.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

[[noreturn]] void fail(const std::string& message, const std::vector<std::string>& fields, const ExpansionContext& ctx) {
    throw Error("failure checking preference requirements: " + message + " (" + text::join(fields, ", ") + ")",
                ctx.source, "give the VM what the preference requires, or choose another preference");
}

void check_cpu(const Json* it, std::uint32_t required, const Json& pref, const Json& vmi_spec,
               const ExpansionContext& ctx) {
    if (it) {
        std::uint32_t guest = spec::u32(it->at("cpu"), "guest");
        if (guest < required)
            fail("insufficient CPU resources of " + std::to_string(guest) +
                     " vCPU provided by instance type, preference requires " + std::to_string(required) + " vCPU",
                 {"spec.instancetype"}, ctx);
        return;
    }
    const Json* domain = spec::get(vmi_spec, "domain");
    const Json* cpu = domain ? spec::get(*domain, "cpu") : nullptr;
    if (!cpu)
        fail("no CPU resources provided by VirtualMachine, preference requires " + std::to_string(required) + " vCPU",
             {ctx.field("domain.cpu")}, ctx);
    const std::uint32_t sockets = spec::u32(*cpu, "sockets"), cores = spec::u32(*cpu, "cores"),
                        threads = spec::u32(*cpu, "threads");
    auto insufficient = [&](std::uint32_t provided, const std::string& as, std::vector<std::string> fields) {
        if (provided >= required) return;
        for (auto& f : fields) f = ctx.field("domain.cpu." + f);
        fail("insufficient CPU resources of " + std::to_string(provided) +
                 " vCPU provided by VirtualMachine, preference requires " + std::to_string(required) +
                 " vCPU provided as " + as,
             fields, ctx);
    };
    const std::string topology = preferred_cpu_topology(&pref);
    if (topology == "threads" || topology == "preferThreads") return insufficient(threads, "threads", {"threads"});
    if (topology == "cores" || topology == "preferCores") return insufficient(cores, "cores", {"cores"});
    if (topology == "sockets" || topology == "preferSockets") return insufficient(sockets, "sockets", {"sockets"});
    if (topology == "any" || topology == "preferAny")
        return insufficient(cores * sockets * threads, "cores, sockets and threads", {"cores", "sockets", "threads"});
    if (topology == "spread" || topology == "preferSpread") {
        const std::string across = spread_options(pref).across;
        if (across == "SocketsCores") return insufficient(sockets * cores, across, {"sockets", "cores"});
        if (across == "CoresThreads") return insufficient(cores * threads, across, {"cores", "threads"});
        if (across == "SocketsCoresThreads")
            return insufficient(sockets * cores * threads, across, {"sockets", "cores", "threads"});
    }
}

void check_memory(const Json* it, const Quantity& required, const Json& vmi_spec, const ExpansionContext& ctx) {
    Quantity provided = Quantity::parse("0Mi");
    std::string field = ctx.field("domain.memory");
    std::string by = "VirtualMachine";
    if (it) {
        provided = Quantity::from_json(it->at("memory").at("guest"), "memory.guest");
        field = "spec.instancetype";
        by = "instance type";
    }
    if (const Json* domain = spec::get(vmi_spec, "domain"))
        if (const Json* memory = spec::get(*domain, "memory"))
            if (auto guest = spec::quantity(*memory, "guest")) provided = *guest;
    if (provided < required)
        fail("insufficient Memory resources of " + provided.str() + " provided by " + by + ", preference requires " +
                 required.str(),
             {field}, ctx);
}

}  // namespace

void check_preference_requirements(const Json* instancetype_spec, const Json& preference_spec, const Json& vmi_spec,
                                   const ExpansionContext& ctx) {
    const Json* requirements = spec::get(preference_spec, "requirements");
    if (!requirements) return;
    if (const Json* cpu = spec::get(*requirements, "cpu"))
        check_cpu(instancetype_spec, spec::u32(*cpu, "guest"), preference_spec, vmi_spec, ctx);
    if (const Json* memory = spec::get(*requirements, "memory"))
        check_memory(instancetype_spec, spec::quantity_or_zero(*memory, "guest"), vmi_spec, ctx);
    if (const Json* arch = spec::get(*requirements, "architecture")) {
        std::string required = arch->get<std::string>();
        std::string actual = spec::string(vmi_spec, "architecture");
        if (actual != required)
            fail("preference requires architecture " + required + " but " + actual + " is being requested",
                 {ctx.field("architecture")}, ctx);
    }
}

}  // namespace kvpod::kubevirt
