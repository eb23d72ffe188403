// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/seccomp_profile.hpp"
#include "core/oci_config.hpp"
#include "core/oci_partial.hpp"

/// The hook's two ways through a runtime config, side by side, for the
/// differential test and the fuzz harness: the whole-document path (parse,
/// patch, dump) and the partial one (skim, parse what is needed, splice).
namespace kvpod::testing {

/// A patch that touches every member the hook may change.
inline oci::Patch full_patch() {
    oci::Patch p;
    p.devices.push_back({"/dev/kvm", 'c', 10, 232, 0666, 107, 107});
    p.devices.push_back({"/dev/vfio/7", 'c', 243, 1, 0666, 107, 107});
    p.allow_rules.push_back({'c', 10, 232, "rwm"});
    p.allow_rules.push_back({'c', 243, 1, "rwm"});
    p.env.emplace_back("KVPOD_TEST", "1");
    p.rlimits.push_back({"RLIMIT_MEMLOCK", 1u << 30, 1u << 30});
    p.hooks.push_back({"poststop", "/usr/libexec/hook", {"hook", "poststop"}, 5});
    return p;
}

/// What one way made of a config: its output or its error message, and
/// the container it named (read_facts: id and Podman's run directory).
struct PathResult {
    std::string output;
    std::string error;
    std::string container;  ///< "<id> <dir>"
    bool operator==(const PathResult&) const = default;
};

inline std::string container_of(const nlohmann::json& config) {
    auto facts = oci::read_facts(config);
    return facts.container_id + " " + facts.container_dir;
}

/// The hook's patch steps; tells `partial` how the seccomp rules changed.
inline void patch_json(nlohmann::json& config, const oci::Patch& patch, oci::PartialConfig* partial = nullptr) {
    (void)oci::read_facts(config);  // the hook reads facts first: same errors first
    oci::apply(config, patch);
    auto change = hook::allow_syscall(config, "userfaultfd", {{"SCMP_ARCH_X86_64", 323}});
    if (partial) partial->note_rules_change(change.removed, change.appended);
}

inline PathResult slow_path(std::string_view text, const oci::Patch& patch, const document::Limits& limits = {}) {
    try {
        auto config = document::parse_json(text, "config.json", limits);
        std::string container = container_of(config);
        patch_json(config, patch);
        return {config.dump() + "\n", {}, container};
    } catch (const Error& e) {
        return {{}, e.what(), {}};
    }
}

/// Nullopt when the text is not eligible for the fast path.
inline std::optional<PathResult> fast_path(std::string_view text, const oci::Patch& patch,
                                           const document::Limits& limits = {}) {
    auto partial = oci::PartialConfig::read(text, limits);
    if (!partial) return std::nullopt;
    try {
        // As the hook does for a compute container, which these are patched as.
        if (!partial->load_mounts()) return std::nullopt;
        std::string container = container_of(partial->json());
        if (!partial->load_for_patch({"userfaultfd"})) return std::nullopt;
        patch_json(partial->json(), patch, &*partial);
        auto output = partial->write_back();
        if (!output) return std::nullopt;
        return PathResult{*output, {}, container};
    } catch (const Error& e) {
        return PathResult{{}, e.what(), {}};
    }
}

/// True when both ways agree: same error, or the same container and
/// outputs that parse equal.
inline bool same_meaning(const PathResult& fast, const PathResult& slow) {
    if (fast.error != slow.error) return false;
    if (!fast.error.empty()) return true;
    if (fast.container != slow.container) return false;
    return nlohmann::json::parse(fast.output) == nlohmann::json::parse(slow.output);
}

}  // namespace kvpod::testing
