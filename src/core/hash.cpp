// SPDX-License-Identifier: Apache-2.0
#include "core/hash.hpp"

#include <nettle/sha1.h>
#include <nettle/sha2.h>

namespace kvpod::hash {

std::string hex(const std::uint8_t* bytes, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0x0f];
    }
    return out;
}

Sha1 sha1(std::initializer_list<std::string_view> parts) {
    sha1_ctx ctx;
    sha1_init(&ctx);
    for (auto part : parts) sha1_update(&ctx, part.size(), reinterpret_cast<const std::uint8_t*>(part.data()));
    Sha1 digest{};
    sha1_digest(&ctx, digest.size(), digest.data());
    return digest;
}

std::string sha1_hex(std::string_view data) {
    auto digest = sha1({data});
    return hex(digest.data(), digest.size());
}

std::string sha256_hex(std::string_view data) {
    sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, data.size(), reinterpret_cast<const std::uint8_t*>(data.data()));
    std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
    sha256_digest(&ctx, digest.size(), digest.data());
    return hex(digest.data(), digest.size());
}

}  // namespace kvpod::hash
