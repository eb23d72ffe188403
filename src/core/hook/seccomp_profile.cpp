// SPDX-License-Identifier: Apache-2.0
#include "core/hook/seccomp_profile.hpp"

#include <algorithm>

#include "core/json_util.hpp"

namespace kvpod::hook {
namespace {

using Json = nlohmann::json;

// Compares in place: `json == std::string` would build a json per name, and
// Podman's default profile lists some 400 names.
bool is_name(const Json& n, const std::string& syscall) {
    return n.is_string() && n.get_ref<const std::string&>() == syscall;
}

bool lists(const Json& rule, const std::string& syscall) {
    const Json* names = find_path(rule, {"names"});
    if (!names || !names->is_array()) return false;
    return std::any_of(names->begin(), names->end(), [&](const Json& n) { return is_name(n, syscall); });
}

bool unconditional(const Json& rule) {
    const Json* args = find_path(rule, {"args"});
    return !args || (args->is_array() && args->empty());
}

/// Whether member `key` is the string `text` (a member of another type is not).
bool is_text(const Json& object, const char* key, std::string_view text) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() && it->get_ref<const std::string&>() == text;
}

bool allows(const Json& rule) { return is_text(rule, "action", "SCMP_ACT_ALLOW"); }

}  // namespace

std::vector<std::string> seccomp_architectures(const Json& config) {
    std::vector<std::string> out;
    const Json* archs = find_path(config, {"linux", "seccomp", "architectures"});
    if (archs && archs->is_array())
        for (const auto& a : *archs)
            if (a.is_string()) out.push_back(a.get<std::string>());
    return out;
}

SeccompChange allow_syscall(Json& config, const std::string& syscall, const SyscallNumbers& numbers) {
    SeccompChange change{syscall, false, {}, {}, false};
    auto linux = config.find("linux");
    if (linux == config.end() || !linux->is_object() || !linux->contains("seccomp") || !(*linux)["seccomp"].is_object()) {
        change.why = "no seccomp profile";
        return change;
    }
    Json& profile = (*linux)["seccomp"];
    std::vector<std::string> known;
    for (const auto& [arch, number] : numbers)
        if (number) known.push_back(arch);
    if (!numbers.empty() && known.empty()) {
        change.why = "no architecture of the profile has it";
        return change;
    }
    if (is_text(profile, "defaultAction", "SCMP_ACT_ALLOW")) {
        // A permissive default allows it unless a rule denies it.
        bool denied = false;
        if (profile.contains("syscalls") && profile["syscalls"].is_array())
            for (const auto& rule : profile["syscalls"])
                if (rule.is_object() && !allows(rule) && lists(rule, syscall)) denied = true;
        if (!denied) {
            change.why = "already allowed by the profile's default action";
            return change;
        }
    }
    Json& rules = profile["syscalls"];
    if (!rules.is_array()) rules = Json::array();

    bool already_allowed = false;
    Json kept = Json::array();
    for (auto& rule : rules) {
        change.removed.push_back(false);
        if (!rule.is_object() || !lists(rule, syscall) || !unconditional(rule)) {
            kept.push_back(std::move(rule));
            continue;
        }
        if (allows(rule)) {
            already_allowed = true;
            kept.push_back(std::move(rule));
            continue;
        }
        // An unconditional deny of this syscall: take the name out, keep the rest.
        Json names = Json::array();
        for (auto& n : rule["names"])
            if (!is_name(n, syscall)) names.push_back(std::move(n));
        change.changed = true;
        if (names.empty()) {
            change.removed.back() = true;
            continue;
        }
        rule["names"] = std::move(names);
        kept.push_back(std::move(rule));
    }
    rules = std::move(kept);
    if (!already_allowed) {
        rules.push_back({{"names", Json::array({syscall})}, {"action", "SCMP_ACT_ALLOW"}});
        change.changed = true;
        change.appended = true;
    }
    change.why = change.changed ? "allowed, as in KubeVirt's launcher seccomp profile (post-copy migration)"
                                : "already allowed by the profile";
    return change;
}

}  // namespace kvpod::hook
