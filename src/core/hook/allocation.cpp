// SPDX-License-Identifier: Apache-2.0
// The allocation rules (see allocation.hpp): which claims are live, what a
// container may take, and how claims move from pending to running to stopped.
#include "core/hook/allocation.hpp"

#include <algorithm>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

std::string short_id(const std::string& id) { return id.substr(0, 12); }

/// A record that does not parse still proves it holds nothing when what can
/// be read of it says so: it is stopped, or the process it is bound to is
/// gone (a claim is never live without its process, whatever else it says).
bool provably_stale(const RecordFile& file, const Liveness& liveness) {
    document::Json doc;
    try {
        doc = document::parse_json(file.text, file.path, document::Limits{64 * 1024, 8, 10'000, true});
    } catch (const Error&) {
        return false;
    }
    if (!doc.is_object()) return false;
    auto state = doc.find("state");
    if (state != doc.end() && *state == "stopped" && !doc.contains("owner")) return true;
    auto owner = doc.find("owner");
    if (owner == doc.end() || !owner->is_object()) return false;
    auto pid = owner->find("pid");
    auto start = owner->find("startTime");
    if (pid == owner->end() || start == owner->end() || !pid->is_number_unsigned() || !start->is_number_unsigned())
        return false;
    auto pid_value = pid->get<std::uint64_t>();
    if (pid_value == 0 || pid_value > 0x3fffffff) return false;
    return !liveness.running(ProcessRef{static_cast<std::int64_t>(pid_value), start->get<std::uint64_t>()});
}

Error corrupt(const RecordFile& file, const Error& why) {
    return Error("corrupt allocation record: " + why.message(), "",
                 "it may describe devices a running container holds, so none are handed out until it is fixed; "
                 "if no running container uses the devices it lists, remove " + file.path);
}

void check_units(const std::vector<std::string>& units, const Survey& survey, const std::string& container_id) {
    for (const auto& unit : units) {
        if (!valid_unit_key(unit))
            throw Error("the device planner claimed " + text::quoted(unit) + ", which is not a unit key", "",
                        "this is a bug in oci-kubevirt-hook; please report it");
        for (const auto& [held, holder] : survey.holders)
            if (holder != container_id && units_overlap(unit, held))
                throw Error(unit + " is held by container " + short_id(holder) + (held == unit ? "" : " (" + held + ")"),
                            "", "stop that container first, or ask for another device");
    }
}

}  // namespace

bool units_overlap(std::string_view a, std::string_view b) {
    auto within = [](std::string_view part, std::string_view whole) {
        return part.size() > whole.size() && part[whole.size()] == '/' && text::starts_with(part, whole);
    };
    return a == b || within(a, b) || within(b, a);
}

bool is_live(const AllocationRecord& record, const Liveness& liveness) {
    if (record.state == ClaimState::Stopped || !record.owner) return false;
    if (!liveness.running(*record.owner)) return false;
    return record.container_dir.empty() || liveness.container_exists(record.container_dir);
}

Survey survey(const std::vector<RecordFile>& files, const std::string& claimant, const Liveness& liveness) {
    Survey result;
    for (const auto& file : files) {
        AllocationRecord record;
        try {
            record = parse_record(file);
        } catch (const Error& e) {
            if (!provably_stale(file, liveness)) throw corrupt(file, e);
            result.notes.push_back("removing corrupt record " + file.path + ", which holds nothing (" + e.message() + ")");
            result.obsolete.push_back(file.name);
            continue;
        }
        if (record.container_id == claimant) {
            result.preferred.insert(record.units.begin(), record.units.end());
            result.own = std::move(record);
            continue;
        }
        if (is_live(record, liveness)) {
            for (const auto& unit : record.units) {
                auto [it, fresh] = result.holders.emplace(unit, record.container_id);
                if (!fresh)
                    result.notes.push_back(unit + " is claimed by both container " + short_id(it->second) +
                                           " and container " + short_id(record.container_id));
                result.unavailable.insert(unit);
            }
            result.others.emplace(record.container_id, std::move(record));
        } else if (record.container_dir.empty() || !liveness.container_exists(record.container_dir)) {
            // Nothing live, and no container left to restart and prefer these units.
            result.obsolete.push_back(file.name);
        }
    }
    return result;
}

AllocationRecord pending_claim(const Survey& survey, const std::string& container_id, std::vector<std::string> units,
                               const ProcessRef& podman, const std::string& container_dir, const std::string& vm) {
    if (!valid_container_id(container_id))
        throw Error("no container id to claim devices for", "", "the runtime config does not name its container");
    std::sort(units.begin(), units.end());
    units.erase(std::unique(units.begin(), units.end()), units.end());
    check_units(units, survey, container_id);
    AllocationRecord record;
    record.container_id = container_id;
    record.state = ClaimState::Pending;
    record.units = std::move(units);
    record.owner = podman;
    record.container_dir = container_dir;
    record.vm = vm;
    return record;
}

std::optional<AllocationRecord> bind_to_container(const Survey& survey, const ProcessRef& init,
                                                  const std::string& bundle) {
    if (!survey.own) return std::nullopt;
    AllocationRecord record = *survey.own;
    with_context("keeping the devices claimed at precreate", [&] { check_units(record.units, survey, record.container_id); });
    record.state = ClaimState::Running;
    record.owner = init;
    if (!bundle.empty()) record.container_dir = bundle;
    return record;
}

std::optional<AllocationRecord> release(const Survey& survey, const Liveness& liveness) {
    if (!survey.own || survey.own->state == ClaimState::Stopped) return std::nullopt;
    // Still live: a pending claim means the same container is being started
    // again; a running one means its process has not exited after all.
    if (is_live(*survey.own, liveness)) return std::nullopt;
    AllocationRecord record = *survey.own;
    record.state = ClaimState::Stopped;
    record.owner.reset();
    return record;
}

std::vector<std::string> describe_holders(const Survey& survey) {
    std::vector<std::string> lines;
    for (const auto& [unit, id] : survey.holders) {
        std::string line = unit + " (container " + short_id(id);
        auto other = survey.others.find(id);
        if (other != survey.others.end() && !other->second.vm.empty()) line += ", VM " + text::quoted(other->second.vm);
        lines.push_back(line + ")");
    }
    return lines;
}

}  // namespace kvpod::hook
