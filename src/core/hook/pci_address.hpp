// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kvpod::hook {

/// A PCI function's address (domain:bus:device.function), ordered numerically
/// so that "lowest BDF" tie-breaks hold for domains wider than four digits.
struct PciAddress {
    std::uint32_t domain = 0;
    std::uint8_t bus = 0;
    std::uint8_t device = 0;
    std::uint8_t function = 0;

    /// Parses "0000:3b:00.0" (hex, any case; the domain may be wider than four
    /// digits as on VMD hosts). nullopt for anything else.
    static std::optional<PciAddress> parse(std::string_view text);

    /// The kernel's spelling: "0000:3b:00.0".
    std::string str() const;

    auto operator<=>(const PciAddress&) const = default;
};

}  // namespace kvpod::hook
