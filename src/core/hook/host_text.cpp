// SPDX-License-Identifier: Apache-2.0
#include "core/hook/host_text.hpp"

#include "core/text.hpp"

namespace kvpod::hook {

std::map<std::string, std::int64_t> parse_proc_devices(std::string_view text) {
    std::map<std::string, std::int64_t> majors;
    bool in_char = false;
    for (const auto& raw : text::split(text, '\n')) {
        std::string line = text::trim(raw);
        if (line == "Character devices:") {
            in_char = true;
            continue;
        }
        if (line == "Block devices:") in_char = false;
        if (!in_char || line.empty()) continue;
        auto space = line.find(' ');
        if (space == std::string::npos) continue;
        auto major = text::parse_u64(line.substr(0, space));
        if (!major) continue;
        majors.emplace(text::trim(line.substr(space + 1)), static_cast<std::int64_t>(*major));
    }
    return majors;
}

std::optional<unsigned> parse_nvidia_device_minor(std::string_view text) {
    for (const auto& raw : text::split(text, '\n')) {
        auto colon = raw.find(':');
        if (colon == std::string::npos || text::trim(raw.substr(0, colon)) != "Device Minor") continue;
        auto minor = text::parse_u64(text::trim(raw.substr(colon + 1)));
        if (minor && *minor < (1u << 20)) return static_cast<unsigned>(*minor);
        return std::nullopt;
    }
    return std::nullopt;
}

std::map<std::string, unsigned> parse_mig_minors(std::string_view text) {
    std::map<std::string, unsigned> minors;
    for (const auto& raw : text::split(text, '\n')) {
        auto parts = text::split(text::trim(raw), ' ');
        if (parts.size() != 2) continue;
        auto minor = text::parse_u64(parts[1]);
        if (minor && *minor < (1u << 20)) minors.emplace(parts[0], static_cast<unsigned>(*minor));
    }
    return minors;
}

std::optional<std::int64_t> parse_sysfs_number(std::string_view text) {
    std::string s = text::trim(text);
    bool negative = !s.empty() && s.front() == '-';
    if (negative) s.erase(0, 1);
    int base = 10;
    if (text::starts_with(s, "0x") || text::starts_with(s, "0X")) {
        s.erase(0, 2);
        base = 16;
    }
    auto value = text::parse_u64(s, base);
    if (!value || *value > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    auto v = static_cast<std::int64_t>(*value);
    return negative ? -v : v;
}

std::optional<std::pair<std::int64_t, std::int64_t>> parse_dev_numbers(std::string_view text) {
    auto parts = text::split(text::trim(text), ':');
    if (parts.size() != 2) return std::nullopt;
    auto major = text::parse_u64(parts[0]);
    auto minor = text::parse_u64(parts[1]);
    if (!major || !minor || *major > (1u << 12) || *minor > (1u << 20)) return std::nullopt;
    return std::make_pair(static_cast<std::int64_t>(*major), static_cast<std::int64_t>(*minor));
}

}  // namespace kvpod::hook
