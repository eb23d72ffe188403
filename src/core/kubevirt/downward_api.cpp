// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/downward_api.hpp"

#include <algorithm>
#include <cstdint>
#include <map>


namespace kvpod::kubevirt {
namespace {

/// One code point of UTF-8 as Go's utf8.DecodeRuneInString reads it: an
/// invalid or overlong sequence, a surrogate or a value past U+10FFFF is one
/// byte of RuneError (width 1, reported as nullopt).
std::optional<char32_t> decode(std::string_view s, std::size_t& width) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = byte(0);
    width = 1;
    if (b0 < 0x80) return b0;
    std::size_t n = b0 >= 0xF0 && b0 <= 0xF4 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 <= 0xDF ? 2 : 0;
    if (n == 0 || (n == 3 && b0 > 0xEF) || s.size() < n) return std::nullopt;
    char32_t r = b0 & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (std::size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
        r = (r << 6) | (byte(i) & 0x3F);
    }
    if ((n == 3 && (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF))) || (n == 4 && (r < 0x10000 || r > 0x10FFFF)))
        return std::nullopt;
    width = n;
    return r;
}

/// Go's unicode.IsPrint for what annotations hold: Latin-1 exactly; above
/// it the separators, format characters, private use and noncharacters are
/// not printable (unassigned code points are taken as printable).
bool is_print(char32_t r) {
    if (r <= 0xFF) return (r >= 0x20 && r <= 0x7E) || (r >= 0xA1 && r != 0xAD);
    struct Range {
        char32_t from, to;
    };
    static constexpr Range kNotPrintable[] = {
        {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},
        {0x08E2, 0x08E2},   {0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},   {0x2028, 0x202F},
        {0x205F, 0x2064},   {0x2066, 0x206F},   {0x3000, 0x3000},   {0xE000, 0xF8FF},   {0xFDD0, 0xFDEF},
        {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
        {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
    };
    if ((r & 0xFFFE) == 0xFFFE) return false;  // U+xFFFE, U+xFFFF
    return std::none_of(std::begin(kNotPrintable), std::end(kNotPrintable),
                        [&](const Range& range) { return r >= range.from && r <= range.to; });
}

void append_hex(std::string& out, std::uint32_t value, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

/// fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['app']" is
/// ("metadata.labels", "app").
bool split_subscript(const std::string& path, std::string& field, std::string& key) {
    if (path.size() < 2 || path.compare(path.size() - 2, 2, "']") != 0) return false;
    auto open = path.find("['");
    if (open == std::string::npos || open == 0) return false;
    field = path.substr(0, open);
    key = path.substr(open + 2, path.size() - 2 - open - 2);
    return true;
}

std::string text_of(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

}  // namespace

std::string go_quote(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        std::size_t width = 1;
        auto rune = decode(text.substr(i), width);
        if (!rune) {
            out += "\\x";
            append_hex(out, static_cast<unsigned char>(text[i]), 2);
            ++i;
            continue;
        }
        char32_t r = *rune;
        if (r == '"' || r == '\\') {
            out += '\\';
            out += static_cast<char>(r);
        } else if (is_print(r)) {
            out.append(text.substr(i, width));
        } else {
            switch (r) {
                case '\a': out += "\\a"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\v': out += "\\v"; break;
                default:
                    if (r < 0x20 || r == 0x7F) {
                        out += "\\x";
                        append_hex(out, r, 2);
                    } else if (r < 0x10000) {
                        out += "\\u";
                        append_hex(out, r, 4);
                    } else {
                        out += "\\U";
                        append_hex(out, r, 8);
                    }
            }
        }
        i += width;
    }
    return out + "\"";
}

std::string format_map(const Json& map) {
    // Sorted by bytes, as sets.String.List sorts (std::map's order).
    std::map<std::string, std::string> sorted;
    if (map.is_object())
        for (const auto& [key, value] : map.items()) sorted[key] = text_of(value);
    std::string out;
    for (const auto& [key, value] : sorted) {
        if (!out.empty()) out += '\n';
        out += key + "=" + go_quote(value);
    }
    return out;
}

bool downward_api_field_supported(const std::string& field_path) {
    std::string field = field_path, key;
    if (split_subscript(field_path, field, key)) return field == "metadata.labels" || field == "metadata.annotations";
    return field == "metadata.name" || field == "metadata.namespace" || field == "metadata.labels" ||
           field == "metadata.annotations";
}

std::optional<std::string> downward_api_field(const std::string& field_path, const Json& pod_metadata,
                                              const std::string& namespace_name) {
    if (!downward_api_field_supported(field_path)) return std::nullopt;
    auto map_of = [&](const std::string& field) -> const Json& {
        static const Json kEmpty = Json::object();
        const char* key = field == "metadata.labels" ? "labels" : "annotations";
        return pod_metadata.contains(key) && pod_metadata[key].is_object() ? pod_metadata[key] : kEmpty;
    };
    std::string field, key;
    if (split_subscript(field_path, field, key)) {
        const Json& map = map_of(field);
        return map.contains(key) ? text_of(map[key]) : std::string();  // a missing key reads empty, as in Go
    }
    if (field_path == "metadata.name") return pod_metadata.value("name", std::string());
    if (field_path == "metadata.namespace") return namespace_name;
    return format_map(map_of(field_path));
}

std::string downward_api_config_map_name(const std::string& pod_name, const std::string& volume) {
    return pod_name + "-downwardapi-" + volume;
}

std::vector<Json> downward_api_config_maps(const Json& vmi_spec, const Json& pod_metadata,
                                           const std::string& namespace_name) {
    std::vector<Json> out;
    if (!vmi_spec.contains("volumes") || !vmi_spec["volumes"].is_array()) return out;
    const std::string pod_name = pod_metadata.value("name", std::string());
    for (const auto& volume : vmi_spec["volumes"]) {
        if (!volume.is_object() || !volume.contains("downwardAPI")) continue;
        Json data = Json::object();
        const Json& source = volume["downwardAPI"];
        if (source.is_object() && source.contains("fields") && source["fields"].is_array())
            for (const auto& field : source["fields"]) {
                std::string path = field.value("path", std::string());
                std::string field_path = field.contains("fieldRef") && field["fieldRef"].is_object()
                                             ? field["fieldRef"].value("fieldPath", std::string())
                                             : std::string();
                if (auto value = downward_api_field(field_path, pod_metadata, namespace_name)) data[path] = *value;
            }
        out.push_back({{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", {{"name", downward_api_config_map_name(pod_name, volume.value("name", std::string()))}}},
                       {"data", std::move(data)}});
    }
    return out;
}

}  // namespace kvpod::kubevirt
