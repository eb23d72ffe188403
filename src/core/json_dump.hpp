// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kvpod::json {

/// Appends `value.dump()` to `out`, byte for byte the same, faster: strings
/// of printable ASCII (nearly all of a runtime config) are copied whole
/// where nlohmann's serializer decodes and re-encodes them byte by byte
/// (most of the precreate hook's output cost). Anything else (escapes,
/// UTF-8, floating point) goes to nlohmann's serializer, value by value.
void append_dump(std::string& out, const nlohmann::json& value);

/// `value.dump()`, by append_dump().
std::string dump(const nlohmann::json& value);

}  // namespace kvpod::json
