// SPDX-License-Identifier: Apache-2.0
#include "core/hook/pci_address.hpp"


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
    std::string out;
    out.reserve(12);
    text::append_hex(out, domain, 4);
    out += ':';
    text::append_hex(out, bus, 2);
    out += ':';
    text::append_hex(out, device, 2);
    out += '.';
    text::append_hex(out, function, 1);
    return out;
}

}  // namespace kvpod::hook
