// SPDX-License-Identifier: Apache-2.0
#include "core/hook/passthrough_policy.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace kvpod::hook {

bool pattern_covers(std::string_view pattern, std::string_view resource) {
    if (text::ends_with(pattern, "/*")) {
        auto domain = pattern.substr(0, pattern.size() - 1);  // keeps the '/'
        return text::starts_with(resource, domain) && resource.size() > domain.size();
    }
    return pattern == resource;
}

std::optional<std::string> policy_refusal(const PassthroughPolicy& policy, std::string_view resource) {
    auto covers = [&](const std::string& p) { return pattern_covers(p, resource); };
    auto denied = std::find_if(policy.denied.begin(), policy.denied.end(), covers);
    if (denied != policy.denied.end())
        return "the host's policy denies " + text::quoted(resource) + " (passthrough.deniedResourceNames has " +
               text::quoted(*denied) + ")";
    if (policy.has_allow_list && std::none_of(policy.allowed.begin(), policy.allowed.end(), covers))
        return "the host's policy does not allow " + text::quoted(resource) + " (passthrough.allowedResourceNames: " +
               (policy.allowed.empty() ? std::string("none") : text::join(policy.allowed, ", ")) + ")";
    return std::nullopt;
}

std::string describe(const PassthroughPolicy& policy) {
    if (!policy.enabled) return "passthrough disabled (passthrough.enabled: false)";
    std::string out = "passthrough enabled; allowed: ";
    if (!policy.has_allow_list) out += "any resource name";
    else out += policy.allowed.empty() ? std::string("none") : text::join(policy.allowed, ", ");
    out += "; denied: ";
    out += policy.denied.empty() ? std::string("none") : text::join(policy.denied, ", ");
    return out;
}

}  // namespace kvpod::hook
