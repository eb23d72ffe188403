// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/common_instancetypes.hpp"

#include <algorithm>

#include "core/document.hpp"

namespace kvpod::kubevirt::common_instancetypes {
namespace {

struct Entries {
    const Entry* first;
    std::size_t size;
};

Entries entries(Kind kind) {
    if (kind == Kind::Instancetype) return {generated::kInstancetypes, generated::kInstancetypeCount};
    return {generated::kPreferences, generated::kPreferenceCount};
}

std::string_view name_of(const Entry& e) { return {generated::kText + e.name_offset, e.name_size}; }

}  // namespace

std::string_view version() { return generated::kVersion; }

std::size_t count(Kind kind) { return entries(kind).size; }

std::vector<std::string_view> names(Kind kind) {
    Entries all = entries(kind);
    std::vector<std::string_view> out;
    out.reserve(all.size);
    for (std::size_t i = 0; i < all.size; ++i) out.push_back(name_of(all.first[i]));
    return out;
}

std::optional<nlohmann::json> find(Kind kind, std::string_view name) {
    Entries all = entries(kind);
    const Entry* end = all.first + all.size;
    const Entry* it = std::lower_bound(all.first, end, name,
                                       [](const Entry& e, std::string_view wanted) { return name_of(e) < wanted; });
    if (it == end || name_of(*it) != name) return std::nullopt;
    std::string_view spec_json(generated::kText + it->spec_offset, it->spec_size);
    const char* kind_name = kind == Kind::Instancetype ? "VirtualMachineClusterInstancetype" : "VirtualMachineClusterPreference";
    nlohmann::json spec =
        document::parse_json(spec_json, "common-instancetypes " + std::string(version()) + " " + std::string(name));
    return nlohmann::json{{"apiVersion", "instancetype.kubevirt.io/v1beta1"},
                          {"kind", kind_name},
                          {"metadata", {{"name", name}}},
                          {"spec", std::move(spec)}};
}

}  // namespace kvpod::kubevirt::common_instancetypes
