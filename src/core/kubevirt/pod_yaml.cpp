// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/pod_yaml.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kvpod::kubevirt {
namespace {

using Json = nlohmann::json;

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// Words YAML 1.1 (go-yaml v2) or 1.2 read as booleans, null or special floats.
bool is_keyword(std::string_view s) {
    static constexpr std::array<std::string_view, 14> words = {
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf", ".nan"};
    std::string l = lower(s);
    return std::find(words.begin(), words.end(), l) != words.end();
}

/// Anything that starts like a number and holds only characters of YAML 1.1
/// ints, floats, sexagesimals and timestamps ("1_000", "1:20", "2026-01-02",
/// "1e3", "0x1f") is quoted; "240s" and "405760Ki" stay plain.
bool looks_numeric(std::string_view s) {
    char first = s.front();
    if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '+' || first == '-' || first == '.')) return false;
    std::string_view body = s;
    if (first == '+' || first == '-') body.remove_prefix(1);
    if (body.size() >= 2 && body[0] == '0' && std::string_view("xXoObB").find(body[1]) != std::string_view::npos)
        return true;
    bool digit = false;
    for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digit = true;
            continue;
        }
        if (std::string_view("+-._: eEtTzZ").find(c) == std::string_view::npos) return false;
    }
    return digit;
}

bool plain_char(char c) { return is_alnum(c) || std::string_view(" -_./:=+~@()").find(c) != std::string_view::npos; }

bool printable(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

std::string scalar_text(std::string_view s) {
    if (yaml_plain_safe(s)) return std::string(s);
    if (printable(s)) {
        std::string out = "'";
        for (char c : s) {
            if (c == '\'') out += '\'';
            out += c;
        }
        return out + "'";
    }
    // JSON's escapes are YAML double-quoted escapes.
    return Json(std::string(s)).dump();
}

std::string scalar_of(const Json& v) {
    switch (v.type()) {
    case Json::value_t::string: return scalar_text(v.get_ref<const std::string&>());
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "{}";
    case Json::value_t::array: return "[]";
    default: return v.dump();  // booleans and numbers print the same in JSON and YAML
    }
}

bool is_block(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void write_node(std::string& out, const Json& v, int indent, bool inline_first);

void write_map(std::string& out, const Json& obj, int indent, bool inline_first) {
    bool first = true;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (!(first && inline_first)) out.append(static_cast<std::size_t>(indent), ' ');
        first = false;
        out += scalar_text(it.key());
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
            out += scalar_of(value);
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
        out += scalar_of(v);
        out += '\n';
        return;
    }
    bool first = true;
    for (const auto& item : v) {
        if (!(first && inline_first)) out.append(static_cast<std::size_t>(indent), ' ');
        first = false;
        out += "- ";
        if (is_block(item)) write_node(out, item, indent + 2, true);
        else out += scalar_of(item) + "\n";
    }
}

}  // namespace

bool yaml_plain_safe(std::string_view s) {
    if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
    if (!std::all_of(s.begin(), s.end(), plain_char)) return false;
    char first = s.front();
    bool dash_word = first == '-' && s.size() > 1 && (s[1] == '-' || std::isalpha(static_cast<unsigned char>(s[1])));
    if (!(is_alnum(first) || first == '/' || first == '.' || first == '_' || dash_word)) return false;
    if (s.find(": ") != std::string_view::npos || s.find("  ") != std::string_view::npos) return false;
    if (s.rfind("---", 0) == 0) return false;
    return !is_keyword(s) && !looks_numeric(s);
}

std::string to_yaml(const Json& doc) {
    std::string out;
    write_node(out, doc, 0, false);
    return out;
}

}  // namespace kvpod::kubevirt
