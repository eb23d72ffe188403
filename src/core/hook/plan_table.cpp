// SPDX-License-Identifier: Apache-2.0
#include "core/hook/plan_table.hpp"

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

const char* status_word(RowStatus status) {
    switch (status) {
    case RowStatus::Granted: return "granted";
    case RowStatus::Skipped: return "skipped";
    case RowStatus::Refused: return "REFUSED";
    }
    return "?";
}

std::string table(const std::vector<std::array<std::string, 4>>& lines) {
    std::array<std::size_t, 3> width{};
    for (const auto& line : lines)
        for (std::size_t c = 0; c < width.size(); ++c) width[c] = std::max(width[c], line[c].size());
    std::string out;
    for (const auto& line : lines) {
        std::string row;
        for (std::size_t c = 0; c < width.size(); ++c) row += line[c] + std::string(width[c] - line[c].size() + 2, ' ');
        row += line[3];
        while (!row.empty() && row.back() == ' ') row.pop_back();
        out += row + "\n";
    }
    return out;
}

}  // namespace

std::string describe_resolution(const HookConfig& config) {
    if (!config.has_permitted_host_devices)
        return "no permittedHostDevices: resource names resolve by vendor (nvidia, amd/radeon, intel) and "
               "NVIDIA's pci.ids naming";
    return "permittedHostDevices: " + std::to_string(config.pci_host_devices.size()) + " pciHostDevices, " +
           std::to_string(config.mediated_devices.size()) + " mediatedDevices";
}

bool fully_granted(const DevicePlan& plan) {
    return plan.ok() && std::all_of(plan.rows.begin(), plan.rows.end(),
                                    [](const PlanRow& r) { return r.status == RowStatus::Granted; });
}

std::string render_plan(const PlanHeader& header, const HookConfig& config, const DevicePlan& plan) {
    std::string out;
    out += "vm:        " + header.vm + "\n";
    out += "host root: " + header.host_root + "\n";
    out += "config:    " + header.config + "\n";
    out += "devices:   " + describe_resolution(config) + "\n";
    out += "policy:    " + describe(config.passthrough) + "\n\n";

    std::vector<std::array<std::string, 4>> lines{{"STATUS", "REQUEST", "GRANT", "WHY"}};
    for (const auto& row : plan.rows)
        lines.push_back({status_word(row.status), text::one_line(row.request),
                         row.grant.empty() ? std::string("-") : text::one_line(row.grant), text::one_line(row.why)});
    out += table(lines);

    auto section = [&](const std::string& title, const std::vector<std::string>& items) {
        if (items.empty()) return;
        out += "\n" + title + ":\n";
        for (const auto& item : items) out += "  " + text::one_line(item) + "\n";
    };
    section("virt-launcher", plan.launcher);
    std::vector<std::string> env;
    for (const auto& [name, value] : plan.patch.env) env.push_back(name + "=" + value);
    section("env", env);
    std::vector<std::string> limits;
    for (const auto& l : plan.patch.rlimits)
        limits.push_back(l.type + " soft=" + std::to_string(l.soft) + " hard=" + std::to_string(l.hard));
    section("rlimits", limits);
    section("units", plan.claimed_units);
    section("topology", plan.notes);
    std::vector<std::string> fixes;
    for (const auto& row : plan.rows)
        if (row.status != RowStatus::Granted && !row.fix.empty()) fixes.push_back(row.request + ": " + row.fix);
    section("to fix", fixes);

    out += "\n";
    if (!plan.ok()) {
        Error first = plan.refusals.front();
        out += "verdict:   the hook would refuse the container (" + std::to_string(plan.refusals.size()) +
               " refusal" + (plan.refusals.size() == 1 ? "" : "s") + "); first: " + first.message() + "\n";
    } else if (!fully_granted(plan)) {
        out += "verdict:   the container would start, without the skipped devices\n";
    } else {
        out += "verdict:   every device would be granted\n";
    }
    return out;
}

}  // namespace kvpod::hook
