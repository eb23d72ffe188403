// SPDX-License-Identifier: Apache-2.0
// Readers of the defaulted VMI shared by the pod_*.cpp parts.
#include "core/kubevirt/pod_internal.hpp"

namespace kvpod::kubevirt::pod {
namespace {

const Json& empty_object() {
    static const Json value = Json::object();
    return value;
}

const Json& empty_array() {
    static const Json value = Json::array();
    return value;
}

}  // namespace

const Json& object_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_object() ? *v : empty_object();
}

const Json& array_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_array() ? *v : empty_array();
}

std::string string_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool bool_at(const Json& root, std::initializer_list<std::string_view> keys, bool fallback) {
    const Json* v = find_path(root, keys);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::int64_t int_at(const Json& root, std::initializer_list<std::string_view> keys, std::int64_t fallback) {
    const Json* v = find_path(root, keys);
    return v && v->is_number_integer() ? v->get<std::int64_t>() : fallback;
}

bool has(const Json& root, std::initializer_list<std::string_view> keys) { return find_path(root, keys) != nullptr; }

}  // namespace kvpod::kubevirt::pod
