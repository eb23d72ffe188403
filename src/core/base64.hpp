// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

/// Standard base64 (RFC 4648 §4, with padding), as Kubernetes writes a
/// Secret's `data` values. Twenty lines: no library the project links has it.
namespace kvpod::base64 {

std::string encode(std::string_view bytes);

/// The bytes, or nullopt when `text` is not base64 (whitespace, a wrong
/// length, bad padding or a character outside the alphabet).
std::optional<std::string> decode(std::string_view text);

}  // namespace kvpod::base64
