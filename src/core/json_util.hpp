// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <initializer_list>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kvpod {

/// The value at a path of object keys, or nullptr when a step is missing,
/// null, or not an object.
inline const nlohmann::json* find_path(const nlohmann::json& root, std::initializer_list<std::string_view> keys) {
    const nlohmann::json* node = &root;
    for (auto key : keys) {
        if (!node->is_object()) return nullptr;
        auto it = node->find(key);
        if (it == node->end() || it->is_null()) return nullptr;
        node = &*it;
    }
    return node;
}

/// True when the path leads to a non-empty array.
inline bool has_items(const nlohmann::json& root, std::initializer_list<std::string_view> keys) {
    const auto* node = find_path(root, keys);
    return node && node->is_array() && !node->empty();
}

}  // namespace kvpod
