// SPDX-License-Identifier: Apache-2.0
#include "core/text.hpp"

#include <algorithm>
#include <charconv>

namespace kvpod::text {

std::string one_line(std::string_view s) {
    auto needs_escape = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
    std::string out;
    out.reserve(s.size());
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (!needs_escape(c)) continue;  // copied with its run, not byte by byte
        out.append(s, run, i - run);
        run = i + 1;
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            static constexpr char hex[] = "0123456789abcdef";
            const char escaped[] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};
            out.append(escaped, sizeof escaped);
        }
        }
    }
    out.append(s, run, s.size() - run);
    return out;
}

void append_hex(std::string& out, std::uint64_t value, int width) {
    static constexpr char digits[] = "0123456789abcdef";
    char reversed[16];
    int count = 0;
    do {
        reversed[count++] = digits[value & 0xf];
        value >>= 4;
    } while (value != 0);
    for (int i = count; i < width; ++i) out += '0';
    while (count > 0) out += reversed[--count];
}

std::string hex(std::uint64_t value, int width) {
    std::string out;
    append_hex(out, value, width);
    return out;
}

std::string one_decimal(std::uint64_t value, unsigned shift) {
    // Below 2^60 a fraction times ten still fits in 64 bits.
    if (shift > 60) return one_decimal(shift - 60 >= 64 ? 0 : value >> (shift - 60), 60);
    const std::uint64_t unit = std::uint64_t{1} << shift;
    std::uint64_t whole = value >> shift;
    // The tenths digit and what is left below it, from the fraction times ten.
    const std::uint64_t fraction_x10 = (value & (unit - 1)) * 10;
    auto tenth = static_cast<unsigned>(fraction_x10 >> shift);
    const std::uint64_t rest = fraction_x10 & (unit - 1);
    const std::uint64_t half = unit >> 1;
    if (shift > 0 && (rest > half || (rest == half && tenth % 2 == 1))) ++tenth;
    if (tenth == 10) {
        tenth = 0;
        ++whole;
    }
    return std::to_string(whole) + "." + std::to_string(tenth);
}

std::string quoted(std::string_view s, std::size_t max) {
    std::string body = one_line(s.substr(0, max));
    if (s.size() > max) body += "...";
    return "'" + body + "'";
}

LineColumn line_column(std::string_view text, std::size_t offset) {
    LineColumn lc;
    offset = std::min(offset, text.size());
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++lc.line;
            lc.column = 1;
        } else {
            ++lc.column;
        }
    }
    return lc;
}

std::string position(std::string_view source, LineColumn at) {
    return std::string(source) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        parts.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return parts;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

std::optional<std::uint64_t> parse_u64(std::string_view s, int base) {
    if (s.empty()) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > s.size()) return i;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += len;
    }
    return std::string_view::npos;
}

bool is_clean_utf8(std::string_view s) {
    return s.find('\0') == std::string_view::npos && invalid_utf8_at(s) == std::string_view::npos;
}

}  // namespace kvpod::text
