// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

/// Hashes through nettle, for names KubeVirt derives from hashes (UUIDv5,
/// instance ids, interface names, volume names).
namespace kvpod::hash {

using Sha1 = std::array<std::uint8_t, 20>;

/// SHA-1 of the concatenation of `parts`.
Sha1 sha1(std::initializer_list<std::string_view> parts);

std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

/// Lower-case hex of `bytes`.
std::string hex(const std::uint8_t* bytes, std::size_t size);

}  // namespace kvpod::hash
