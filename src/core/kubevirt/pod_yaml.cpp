// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/pod_yaml.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <utility>

namespace kvpod::kubevirt {
namespace {

using Json = nlohmann::json;

/// Byte classes for the scalar checks: one table lookup per byte, not a
/// locale call and a search (a Pod's ~230 scalars took ~0.2M instructions).
enum ByteClass : std::uint8_t {
    kAlnum = 1,     ///< ASCII letter or digit
    kDigit = 2,
    kPlain = 4,     ///< may stand in a plain scalar: alnum and " -_./:=+~@()"
    kNumeric = 8,   ///< may stand in a YAML 1.1 number or timestamp: digits and "+-._: eEtTzZ"
    kControl = 16,  ///< needs a double-quoted escape
};

constexpr std::array<std::uint8_t, 256> kByteClasses = [] {
    std::array<std::uint8_t, 256> classes{};
    auto mark = [&](std::string_view bytes, std::uint8_t what) {
        for (char c : bytes) classes[static_cast<unsigned char>(c)] |= what;
    };
    for (int c = 0; c < 0x20; ++c) classes[static_cast<std::size_t>(c)] = kControl;
    classes[0x7f] = kControl;
    mark("0123456789", kAlnum | kDigit | kPlain | kNumeric);
    mark("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", kAlnum | kPlain);
    mark(" -_./:=+~@()", kPlain);
    mark("+-._: eEtTzZ", kNumeric);
    return classes;
}();

bool has(char c, ByteClass what) { return (kByteClasses[static_cast<unsigned char>(c)] & what) != 0; }

/// Words YAML 1.1 (go-yaml v2) or 1.2 read as booleans, null or special
/// floats, in any case.
bool is_keyword(std::string_view s) {
    static constexpr std::array<std::string_view, 14> words = {
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf", ".nan"};
    constexpr std::size_t longest = 5;
    if (s.size() > longest) return false;
    char lower[longest];
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::string_view folded(lower, s.size());
    return std::find(words.begin(), words.end(), folded) != words.end();
}

/// Anything that starts like a number and holds only characters of YAML 1.1
/// ints, floats, sexagesimals and timestamps ("1_000", "1:20", "2026-01-02",
/// "1e3", "0x1f") is quoted; "240s" and "405760Ki" stay plain.
bool looks_numeric(std::string_view s) {
    char first = s.front();
    if (!(has(first, kDigit) || first == '+' || first == '-' || first == '.')) return false;
    std::string_view body = s;
    if (first == '+' || first == '-') body.remove_prefix(1);
    if (body.size() >= 2 && body[0] == '0' && std::string_view("xXoObB").find(body[1]) != std::string_view::npos)
        return true;
    bool digit = false;
    for (char c : s) {
        if (!has(c, kNumeric)) return false;
        digit = digit || has(c, kDigit);
    }
    return digit;
}

/// The code point that starts at s[at], and the byte after it. Strings come
/// from the JSON and YAML readers, which both refuse invalid UTF-8; a stray
/// byte reads as U+FFFF, which is then escaped.
std::pair<char32_t, std::size_t> code_point_at(std::string_view s, std::size_t at) {
    auto byte = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
    unsigned lead = byte(at);
    std::size_t length = lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xe ? 3 : lead >> 3 == 0x1e ? 4 : 0;
    if (length == 0 || at + length > s.size()) return {0xffff, at + 1};
    if (length == 1) return {lead, at + 1};
    char32_t c = lead & (0x7f >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xc0) != 0x80) return {0xffff, at + 1};
        c = c << 6 | (byte(at + i) & 0x3f);
    }
    return {c, at + length};
}

/// YAML's printable characters (c-printable): libyaml, and go-yaml behind
/// kube play, refuse any other anywhere in a stream, quoted or not.
bool yaml_printable(char32_t c) {
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0x7e) || c == 0x85 || (c >= 0xa0 && c <= 0xd7ff) ||
           (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/// Written as it is inside quotes: printable, and not one of YAML 1.1's
/// line breaks beyond ASCII (NEL, LS, PS), which a quoted scalar folds.
bool quotable_raw(char32_t c) { return yaml_printable(c) && c != 0x85 && c != 0x2028 && c != 0x2029; }

/// Fit for single quotes: no line breaks or tabs (which a quoted scalar
/// would fold or keep ambiguously) and nothing YAML cannot hold.
bool single_quotable(std::string_view s) {
    for (std::size_t at = 0; at < s.size();) {
        if (has(s[at], kControl)) return false;
        if (static_cast<unsigned char>(s[at]) < 0x80) {  // the usual case, not decoded
            ++at;
            continue;
        }
        auto [c, next] = code_point_at(s, at);
        if (!quotable_raw(c)) return false;
        at = next;
    }
    return true;
}

/// A double-quoted scalar: JSON's escapes (which YAML's double quotes share)
/// for what JSON escapes, and a 4-digit u-escape also for what YAML cannot
/// hold as it is (DEL, C1 controls, U+FFFE, the breaks NEL, LS and PS),
/// which JSON leaves raw.
void append_u_escape(std::string& out, char32_t c) {
    char escape[8];
    std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
    out += escape;
}

void append_double_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t at = 0; at < s.size();) {
        auto [c, next] = code_point_at(s, at);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || !quotable_raw(c)) {
                append_u_escape(out, c);
            } else {
                out.append(s.substr(at, next - at));
            }
        }
        at = next;
    }
    out += '"';
}

void append_scalar_text(std::string& out, std::string_view s) {
    if (yaml_plain_safe(s)) {
        out += s;
    } else if (single_quotable(s)) {
        out += '\'';
        for (char c : s) {
            if (c == '\'') out += '\'';
            out += c;
        }
        out += '\'';
    } else {
        append_double_quoted(out, s);
    }
}

void append_scalar(std::string& out, const Json& v) {
    switch (v.type()) {
    case Json::value_t::string: append_scalar_text(out, v.get_ref<const std::string&>()); break;
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::object: out += "{}"; break;
    case Json::value_t::array: out += "[]"; break;
    default: out += v.dump();  // booleans and numbers print the same in JSON and YAML
    }
}

bool is_block(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void write_node(std::string& out, const Json& v, int indent, bool inline_first);

void write_map(std::string& out, const Json& obj, int indent, bool inline_first) {
    bool first = true;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (!(first && inline_first)) out.append(static_cast<std::size_t>(indent), ' ');
        first = false;
        append_scalar_text(out, it.key());
        out += ':';
        const Json& value = it.value();
        if (value.is_object() && !value.empty()) {
            out += '\n';
            write_map(out, value, indent + 2, false);
        } else if (value.is_array() && !value.empty()) {
            out += '\n';
            write_node(out, value, indent, false);
        } else {
            out += ' ';
            append_scalar(out, value);
            out += '\n';
        }
    }
}

void write_node(std::string& out, const Json& v, int indent, bool inline_first) {
    if (v.is_object() && !v.empty()) {
        write_map(out, v, indent, inline_first);
        return;
    }
    if (!v.is_array() || v.empty()) {
        append_scalar(out, v);
        out += '\n';
        return;
    }
    bool first = true;
    for (const auto& item : v) {
        if (!(first && inline_first)) out.append(static_cast<std::size_t>(indent), ' ');
        first = false;
        out += "- ";
        if (is_block(item)) {
            write_node(out, item, indent + 2, true);
        } else {
            append_scalar(out, item);
            out += '\n';
        }
    }
}

}  // namespace

bool yaml_plain_safe(std::string_view s) {
    if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return has(c, kPlain); })) return false;
    char first = s.front();
    bool dash_word = first == '-' && s.size() > 1 && (s[1] == '-' || (has(s[1], kAlnum) && !has(s[1], kDigit)));
    if (!(has(first, kAlnum) || first == '/' || first == '.' || first == '_' || dash_word)) return false;
    if (s.find(": ") != std::string_view::npos || s.find("  ") != std::string_view::npos) return false;
    if (s.rfind("---", 0) == 0) return false;
    return !is_keyword(s) && !looks_numeric(s);
}

std::string yaml_safe_json(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    for (std::size_t at = 0; at < json.size();) {
        if (static_cast<unsigned char>(json[at]) < 0x80 && json[at] != 0x7f) {  // JSON escaped the rest
            out += json[at++];
            continue;
        }
        auto [c, next] = code_point_at(json, at);
        if (quotable_raw(c)) out.append(json.substr(at, next - at));
        else append_u_escape(out, c);
        at = next;
    }
    return out;
}

std::string to_yaml(const Json& doc) {
    std::string out;
    write_node(out, doc, 0, false);
    return out;
}

}  // namespace kvpod::kubevirt
