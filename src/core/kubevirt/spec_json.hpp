// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/kubevirt/quantity.hpp"

/// Reading and writing KubeVirt objects held as JSON with the meaning Go's
/// types give them: a missing field reads as the zero value ("", 0, false),
/// a present object or *bool is "set" even when empty or false.
///
/// Documents must have passed normalise_document() first: values then have
/// the types these helpers read.
namespace kvpod::kubevirt::spec {

using Json = nlohmann::json;

/// The value at `key`, or nullptr when `parent` is not an object or the key
/// is missing (normalised documents hold no nulls).
inline const Json* get(const Json& parent, std::string_view key) {
    if (!parent.is_object()) return nullptr;
    auto it = parent.find(key);
    return it == parent.end() || it->is_null() ? nullptr : &*it;
}

inline Json* get(Json& parent, std::string_view key) {
    if (!parent.is_object()) return nullptr;
    auto it = parent.find(key);
    return it == parent.end() || it->is_null() ? nullptr : &*it;
}

/// True when `key` is present: a non-nil pointer, map or slice in Go.
inline bool has(const Json& parent, std::string_view key) { return get(parent, key) != nullptr; }

/// The object at `key`, created empty when missing (Go: `if x == nil { x = &T{} }`).
inline Json& object(Json& parent, std::string_view key) {
    Json& child = parent[std::string(key)];
    if (!child.is_object()) child = Json::object();
    return child;
}

/// The list at `key`, created empty when missing.
inline Json& array(Json& parent, std::string_view key) {
    Json& child = parent[std::string(key)];
    if (!child.is_array()) child = Json::array();
    return child;
}

inline std::string string(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

/// An unsigned 32-bit field (sockets, cores...): 0 when missing; wraps like
/// Go's conversion when the document holds something larger.
inline std::uint32_t u32(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    if (!v || !v->is_number_integer()) return 0;
    return static_cast<std::uint32_t>(v->get<std::int64_t>());
}

inline std::int64_t i64(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    return v && v->is_number_integer() ? v->get<std::int64_t>() : 0;
}

/// A plain bool field: false when missing.
inline bool flag(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    return v && v->is_boolean() && v->get<bool>();
}

/// A *bool field: nullopt when missing.
inline std::optional<bool> optional_bool(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    if (!v || !v->is_boolean()) return std::nullopt;
    return v->get<bool>();
}

/// A quantity field, nullopt when missing.
inline std::optional<Quantity> quantity(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    if (!v) return std::nullopt;
    return Quantity::from_json(*v, key);
}

/// A quantity field, zero when missing (Go's ResourceList.Memory()).
inline Quantity quantity_or_zero(const Json& parent, std::string_view key) {
    auto q = quantity(parent, key);
    return q ? *q : Quantity();
}

/// True when the list at `key` has items.
inline bool has_items(const Json& parent, std::string_view key) {
    const Json* v = get(parent, key);
    return v && v->is_array() && !v->empty();
}

/// Sets a non-pointer bool the way Go serialises it (omitempty: false is
/// left out).
inline void set_flag(Json& parent, std::string_view key, bool value) {
    if (value) parent[std::string(key)] = true;
    else parent.erase(std::string(key));
}

}  // namespace kvpod::kubevirt::spec
