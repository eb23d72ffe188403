// SPDX-License-Identifier: Apache-2.0
#include "core/hook/passthrough_plan.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/hook/passthrough_errors.hpp"
#include "core/hook/passthrough_grants.hpp"
#include "core/hook/resolution.hpp"
#include "core/hook/topology.hpp"
#include "core/hook/units.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

/// The entries of one resource name, resolved once.
struct ResourceGroup {
    Resolution resolution;
    std::vector<const DeviceRequest*> entries;
};

std::string row_request(const DeviceRequest& r) {
    return r.device_name.empty() ? r.label() : r.label() + " " + text::one_line(r.device_name.substr(0, 100));
}

/// The policy's verdict on a well-formed entry: nullopt when it may go on.
std::optional<Error> policy_error(const DeviceRequest& request, const HookConfig& config) {
    std::string where = request.where + "/deviceName";
    std::string file = config.source.empty() ? std::string("the hook configuration") : config.source;
    if (!config.passthrough.enabled)
        return Error("GPU and PCI passthrough is disabled on this host (passthrough.enabled: false in " + file + ")",
                     where, "remove gpus and hostDevices from the VM, or ask the host's admin to enable passthrough");
    if (auto refusal = policy_refusal(config.passthrough, request.device_name))
        return Error(*refusal, where, "use a resource the policy allows, or ask the host's admin to change " + file);
    return std::nullopt;
}

/// Entries that may be served, grouped by resource in order of first use;
/// the others are refused into `refused` (by entry index).
std::vector<ResourceGroup> group_requests(const std::vector<DeviceRequest>& requests, const HookConfig& config,
                                          std::map<std::size_t, Error>& refused) {
    std::vector<ResourceGroup> groups;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const DeviceRequest& request = requests[i];
        if (request.problem) {
            refused.emplace(i, *request.problem);
            continue;
        }
        if (auto error = policy_error(request, config)) {
            refused.emplace(i, *error);
            continue;
        }
        try {
            Resolution resolution = resolve(request, config);
            auto group = std::find_if(groups.begin(), groups.end(),
                                      [&](const ResourceGroup& g) { return g.resolution.resource == request.device_name; });
            if (group == groups.end()) groups.push_back({std::move(resolution), {}}), group = groups.end() - 1;
            group->entries.push_back(&request);
        } catch (Error& e) {
            refused.emplace(i, e);
        }
    }
    return groups;
}

}  // namespace

InventoryQuery passthrough_query(const std::vector<DeviceRequest>& requests, const HookConfig& config) {
    InventoryQuery query;
    std::map<std::size_t, Error> refused;
    for (const auto& group : group_requests(requests, config, refused)) add_to_query(group.resolution, query);
    return query;
}

void plan_passthrough(const std::vector<DeviceRequest>& requests, const PassthroughContext& context, DevicePlan& plan) {
    if (requests.empty()) return;
    std::map<std::size_t, Error> refused;
    auto groups = group_requests(requests, context.config, refused);

    GrantBuilder grants(context.inventory, context.owner, plan);
    std::map<const DeviceRequest*, std::pair<PlanRow, std::string>> granted;  // row, unit key
    std::map<std::string, std::string> taken;  // unit key → the entry that got it
    std::optional<int> numa_hint;
    for (const auto& group : groups) {
        const Resolution& resolution = group.resolution;
        Candidates candidates = find_candidates(resolution, context.inventory, context.unavailable);
        // Two resource names can stand for the same device: one entry gets it.
        std::vector<std::string> given;
        std::erase_if(candidates.usable, [&](const Unit& u) {
            auto holder = taken.find(u.key);
            if (holder == taken.end()) return false;
            given.push_back(holder->second);
            return true;
        });
        TopologyChoice choice = choose_units(candidates.usable, group.entries.size(), context.preferred, numa_hint);
        if (!numa_hint && !choice.picked.empty() && candidates.usable[choice.picked.front()].numa_node >= 0)
            numa_hint = candidates.usable[choice.picked.front()].numa_node;
        if (!choice.note.empty()) plan.notes.push_back(resolution.resource + ": " + choice.note);

        for (std::size_t k = 0; k < group.entries.size(); ++k) {
            const DeviceRequest& request = *group.entries[k];
            std::size_t index = static_cast<std::size_t>(&request - requests.data());
            if (k < choice.picked.size()) {
                const Unit& unit = candidates.usable[choice.picked[k]];
                granted.emplace(&request, std::pair(grants.grant(request, resolution, unit), unit.key));
                taken.emplace(unit.key, request.label());
                given.push_back(request.label());
                continue;
            }
            bool nothing = candidates.usable.empty() && candidates.unusable.empty() && candidates.busy.empty() && given.empty();
            refused.emplace(index, nothing ? no_match_error(request, resolution, context.inventory)
                                           : shortage_error(request, resolution, candidates, group.entries.size(),
                                                            text::join(given, ", ")));
        }
    }

    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (auto r = refused.find(i); r != refused.end()) {
            plan.rows.push_back({row_request(requests[i]), "", RowStatus::Refused, r->second.what_failed(),
                                 r->second.remedy()});
            plan.refusals.push_back(r->second);
        } else if (auto g = granted.find(&requests[i]); g != granted.end()) {
            plan.rows.push_back(g->second.first);
            plan.claimed_units.push_back(g->second.second);
        }
    }
    grants.finish(context.vmi_spec);
}

}  // namespace kvpod::hook
