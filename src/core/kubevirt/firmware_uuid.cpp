// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/firmware_uuid.hpp"

#include <array>
#include <cstdint>

#include <nettle/sha1.h>

namespace kvpod::kubevirt {
namespace {

constexpr std::array<std::uint8_t, 16> kFirmwareNamespace = {0x6a, 0x1a, 0x24, 0xa1, 0x40, 0x61, 0x46, 0x07,
                                                             0x8b, 0xf4, 0xa3, 0x96, 0x3d, 0x0c, 0x58, 0x95};

}  // namespace

std::string legacy_firmware_uuid(std::string_view vmi_name) {
    sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, kFirmwareNamespace.size(), kFirmwareNamespace.data());
    sha1_update(&ctx, vmi_name.size(), reinterpret_cast<const std::uint8_t*>(vmi_name.data()));
    std::array<std::uint8_t, SHA1_DIGEST_SIZE> digest{};
    sha1_digest(&ctx, digest.size(), digest.data());

    // RFC 4122 section 4.3: the first 16 bytes, version 5, variant 10xx.
    digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0f) | 0x50);
    digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3f) | 0x80);

    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace kvpod::kubevirt
