// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

/// Reading untrusted JSON and YAML text into one data model (nlohmann::json),
/// with bounds on everything the text controls. Every failure is an Error
/// whose location is "<source>:<line>:<column>".
namespace kvpod::document {

using Json = nlohmann::json;

struct Limits {
    std::size_t max_bytes = 4 * 1024 * 1024;  ///< size of the text
    std::size_t max_depth = 64;               ///< nesting of objects and arrays
    std::size_t max_nodes = 1'000'000;        ///< values after YAML aliases are expanded
    bool reject_nul = true;                   ///< NUL bytes inside strings
};

/// Strict JSON: duplicate keys, nesting past the limit, invalid UTF-8 and
/// numbers out of range are errors.
Json parse_json(std::string_view text, std::string_view source, const Limits& limits = {});

/// One YAML document (JSON is YAML too). Scalars resolve by the YAML 1.2 core
/// schema; anchors and aliases are expanded within `max_nodes`; duplicate keys
/// and non-scalar keys are errors. An empty stream yields null.
Json parse_yaml(std::string_view text, std::string_view source, const Limits& limits = {});

/// Every document of a YAML stream ("---" separated); empty documents are
/// skipped.
std::vector<Json> parse_yaml_stream(std::string_view text, std::string_view source, const Limits& limits = {});

/// Whether the text starts (after blanks) with '{' or '[': read as JSON.
bool looks_like_json(std::string_view text);

/// JSON when the text starts (after blanks) with '{' or '[', else YAML.
Json parse_json_or_yaml(std::string_view text, std::string_view source, const Limits& limits = {});

/// "/spec/template/spec/domain" style pointer text for messages.
std::string pointer(const std::vector<std::string>& path);

}  // namespace kvpod::document
