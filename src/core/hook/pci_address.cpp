// SPDX-License-Identifier: Apache-2.0
#include "core/hook/pci_address.hpp"

#include <cstdio>

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

std::optional<std::uint32_t> hex_field(std::string_view s, std::size_t min_digits, std::size_t max_digits) {
    if (s.size() < min_digits || s.size() > max_digits) return std::nullopt;
    auto value = text::parse_u64(s, 16);
    if (!value) return std::nullopt;
    return static_cast<std::uint32_t>(*value);
}

}  // namespace

std::optional<PciAddress> PciAddress::parse(std::string_view text) {
    auto first = text.find(':');
    if (first == std::string_view::npos) return std::nullopt;
    auto second = text.find(':', first + 1);
    auto dot = text.rfind('.');
    if (second == std::string_view::npos || dot == std::string_view::npos || dot < second) return std::nullopt;
    auto domain = hex_field(text.substr(0, first), 4, 8);
    auto bus = hex_field(text.substr(first + 1, second - first - 1), 2, 2);
    auto device = hex_field(text.substr(second + 1, dot - second - 1), 2, 2);
    auto function = hex_field(text.substr(dot + 1), 1, 1);
    if (!domain || !bus || !device || !function || *device > 0x1f || *function > 7) return std::nullopt;
    return PciAddress{*domain, static_cast<std::uint8_t>(*bus), static_cast<std::uint8_t>(*device),
                      static_cast<std::uint8_t>(*function)};
}

std::string PciAddress::str() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", static_cast<unsigned>(domain), static_cast<unsigned>(bus),
                  static_cast<unsigned>(device), static_cast<unsigned>(function));
    return buf;
}

}  // namespace kvpod::hook
