// SPDX-License-Identifier: Apache-2.0
#include "core/hook/passthrough_plan.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include "core/hook/passthrough_errors.hpp"
#include "core/hook/passthrough_grants.hpp"
#include "core/hook/resolution.hpp"
#include "core/hook/resource_names.hpp"
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

/// --mount-devices: GPUs on their host drivers only where the devices
/// virt-launcher can attach are too few.
void prefer_attachable(Candidates& c, std::size_t wanted) {
    auto host_gpu = [](const Unit& u) { return u.mode == UnitMode::HostGpu; };
    auto attachable = static_cast<std::size_t>(std::count_if(c.usable.begin(), c.usable.end(), std::not_fn(host_gpu)));
    if (attachable >= wanted) std::erase_if(c.usable, host_gpu);
}

/// virt-launcher pops PCI_RESOURCE_<NAME> and then MDEV_PCI_RESOURCE_<NAME>
/// for every entry of a name, so entries of one name get PCI functions or
/// mediated devices, never both: the kind this container held, else the kind
/// that serves every entry (PCI first), else the more numerous. The others
/// are reported unusable.
void one_kind(Candidates& c, const std::string& resource, std::size_t wanted, const std::set<std::string>& preferred) {
    auto mdev = [](const Unit& u) { return u.mode == UnitMode::Mdev; };
    auto mdevs = static_cast<std::size_t>(std::count_if(c.usable.begin(), c.usable.end(), mdev));
    std::size_t pcis = c.usable.size() - mdevs;
    if (mdevs == 0 || pcis == 0) return;
    auto held = [&](bool kind) {
        return std::any_of(c.usable.begin(), c.usable.end(),
                           [&](const Unit& u) { return mdev(u) == kind && preferred.count(u.key); });
    };
    bool keep_mdev = held(true) != held(false) ? held(true) : pcis >= wanted ? false : mdevs >= wanted || mdevs > pcis;
    std::string kept = keep_mdev ? "mediated devices" : "PCI functions";
    for (const auto& u : c.usable)
        if (mdev(u) != keep_mdev)
            c.unusable.push_back({u.subject(),
                                  "is not used: the entries of " + text::quoted(resource) + " get " + kept +
                                      ", and virt-launcher cannot take both kinds for one resource name",
                                  "give the mediated devices a resourceName of their own in permittedHostDevices", false});
    std::erase_if(c.usable, [&](const Unit& u) { return mdev(u) != keep_mdev; });
}

/// What virt-launcher makes of `request` given `unit` (nullptr: nothing).
std::string launcher_line(const DeviceRequest& request, const std::string& resource, const Unit* unit) {
    std::string head = row_request(request) + ": ";
    if (unit && unit->mode == UnitMode::Vfio)
        return head + "a <hostdev> for PCI " + unit->function->bdf() + " from " +
               resource_env_name(kPciResourcePrefix, resource);
    if (unit && unit->mode == UnitMode::Mdev)
        return head + "a <hostdev> for mdev " + unit->mdev->uuid + " from " +
               resource_env_name(kMdevResourcePrefix, resource);
    return head + "no <hostdev>: it needs a PCI function on vfio-pci in " + resource_env_name(kPciResourcePrefix, resource) +
           " or a mediated device in " + resource_env_name(kMdevResourcePrefix, resource) +
           ", and refuses to start the VM without one";
}

}  // namespace

InventoryQuery passthrough_query(const std::vector<DeviceRequest>& requests, const HookConfig& config,
                                 HostGpuNodes host_gpus) {
    InventoryQuery query;
    std::map<std::size_t, Error> refused;
    for (const auto& group : group_requests(requests, config, refused)) add_to_query(group.resolution, query);
    query.host_gpus = host_gpus == HostGpuNodes::Give && query.pci;
    return query;
}

void plan_passthrough(const std::vector<DeviceRequest>& requests, const PassthroughContext& context, DevicePlan& plan) {
    if (requests.empty()) return;
    std::map<std::size_t, Error> refused;
    auto groups = group_requests(requests, context.config, refused);

    GrantBuilder grants(context.inventory, context.owner, plan);
    struct Granted {
        PlanRow row;
        std::string key;
        std::string launcher;
    };
    std::map<const DeviceRequest*, Granted> granted;
    std::map<std::string, std::string> taken;  // unit key → the entry that got it
    std::optional<int> numa_hint;
    for (const auto& group : groups) {
        const Resolution& resolution = group.resolution;
        Candidates candidates = find_candidates(resolution, context.inventory, context.unavailable, context.host_gpus);
        // Two resource names can stand for the same device: one entry gets it.
        std::vector<std::string> given;
        std::erase_if(candidates.usable, [&](const Unit& u) {
            auto holder = taken.find(u.key);
            if (holder == taken.end()) return false;
            given.push_back(holder->second);
            return true;
        });
        if (context.host_gpus == HostGpuNodes::Give) prefer_attachable(candidates, group.entries.size());
        one_kind(candidates, resolution.resource, group.entries.size(), context.preferred);
        TopologyChoice choice = choose_units(candidates.usable, group.entries.size(), context.preferred, numa_hint);
        if (!numa_hint && !choice.picked.empty() && candidates.usable[choice.picked.front()].numa_node >= 0)
            numa_hint = candidates.usable[choice.picked.front()].numa_node;
        if (!choice.note.empty()) plan.notes.push_back(resolution.resource + ": " + choice.note);

        for (std::size_t k = 0; k < group.entries.size(); ++k) {
            const DeviceRequest& request = *group.entries[k];
            std::size_t index = static_cast<std::size_t>(&request - requests.data());
            if (k < choice.picked.size()) {
                const Unit& unit = candidates.usable[choice.picked[k]];
                granted.emplace(&request, Granted{grants.grant(request, resolution, unit), unit.key,
                                                  launcher_line(request, resolution.resource, &unit)});
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
            // A malformed entry names no resource virt-launcher could look up.
            if (!requests[i].problem)
                plan.launcher.push_back(launcher_line(requests[i], requests[i].device_name, nullptr));
        } else if (auto g = granted.find(&requests[i]); g != granted.end()) {
            plan.rows.push_back(g->second.row);
            plan.claimed_units.push_back(g->second.key);
            plan.launcher.push_back(g->second.launcher);
        }
    }
    grants.finish(context.vmi_spec);
}

}  // namespace kvpod::hook
