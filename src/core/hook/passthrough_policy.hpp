// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kvpod::hook {

/// The host admin's say over GPU and PCI passthrough (hook config key
/// `passthrough`). Patterns are resource names or "<domain>/*".
struct PassthroughPolicy {
    bool enabled = true;                ///< passthrough.enabled
    bool has_allow_list = false;        ///< passthrough.allowedResourceNames given
    std::vector<std::string> allowed;   ///< only these, when has_allow_list
    std::vector<std::string> denied;    ///< never these; deny wins over allow
};

/// True when `pattern` ("nvidia.com/TU104GL_Tesla_T4" or "nvidia.com/*")
/// covers `resource`.
bool pattern_covers(std::string_view pattern, std::string_view resource);

/// Why the policy refuses `resource`, naming the config key; nullopt when it
/// permits it. Does not look at `enabled` (the caller reports that once).
std::optional<std::string> policy_refusal(const PassthroughPolicy& policy, std::string_view resource);

/// One line for the plan: "enabled; allowed: any resource; denied: none".
std::string describe(const PassthroughPolicy& policy);

}  // namespace kvpod::hook
