// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

/// KubeVirt's common instancetypes and preferences, the bundle KubeVirt v1.8
/// deploys into every cluster (data/common-instancetypes, embedded at build
/// time by common_instancetypes_gen.cpp). A VM that names a cluster
/// instancetype or preference of the bundle converts without its YAML.
namespace kvpod::kubevirt::common_instancetypes {

enum class Kind { Instancetype, Preference };

/// The bundle's version ("v1.6.0").
std::string_view version();

/// How many documents of `kind` the bundle has.
std::size_t count(Kind kind);

/// Their names, sorted.
std::vector<std::string_view> names(Kind kind);

/// The document of `kind` named `name` (apiVersion, kind, metadata.name and
/// spec, as the bundle has them), or nullopt. Only this document is parsed.
std::optional<nlohmann::json> find(Kind kind, std::string_view name);

/// The generated table (common_instancetypes_table.cpp): each entry is its
/// name and its spec's JSON text as offsets into one string, so the table
/// needs no relocations at start-up.
struct Entry {
    std::uint32_t name_offset;
    std::uint32_t name_size;
    std::uint32_t spec_offset;
    std::uint32_t spec_size;
};
namespace generated {
extern const char kText[];
extern const char kVersion[];
extern const Entry kInstancetypes[];
extern const std::size_t kInstancetypeCount;
extern const Entry kPreferences[];
extern const std::size_t kPreferenceCount;
}  // namespace generated

}  // namespace kvpod::kubevirt::common_instancetypes
