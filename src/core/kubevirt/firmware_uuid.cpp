// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/firmware_uuid.hpp"

#include <array>
#include <cstdint>

#include "core/hash.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr std::array<std::uint8_t, 16> kFirmwareNamespace = {0x6a, 0x1a, 0x24, 0xa1, 0x40, 0x61, 0x46, 0x07,
                                                             0x8b, 0xf4, 0xa3, 0x96, 0x3d, 0x0c, 0x58, 0x95};

}  // namespace

std::string legacy_firmware_uuid(std::string_view vmi_name) {
    auto digest = hash::sha1({std::string_view(reinterpret_cast<const char*>(kFirmwareNamespace.data()), kFirmwareNamespace.size()),
                              vmi_name});

    // RFC 4122 section 4.3: the first 16 bytes, version 5, variant 10xx.
    digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0f) | 0x50);
    digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3f) | 0x80);

    std::string digits = hash::hex(digest.data(), 16);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
        out.append(digits, i, 2);
    }
    return out;
}

}  // namespace kvpod::kubevirt
