// SPDX-License-Identifier: Apache-2.0
#include "core/json_dump.hpp"

#include <charconv>

namespace kvpod::json {
namespace {

using Json = nlohmann::json;

/// Bytes nlohmann writes as they are: printable ASCII but '"' and '\\'
/// (it escapes only those two and control bytes; 0x7f passes).
bool copied_as_is(std::string_view text) {
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    }
    return true;
}

void append_string(std::string& out, const std::string& text) {
    if (!copied_as_is(text)) {
        out += Json(text).dump();  // escapes, and UTF-8 checks, exactly as dump() does them
        return;
    }
    out += '"';
    out += text;
    out += '"';
}

template <typename Integer>
void append_integer(std::string& out, Integer number) {
    char digits[24];
    auto result = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, result.ptr);
}

}  // namespace

void append_dump(std::string& out, const Json& value) {
    switch (value.type()) {
    case Json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
            if (!first) out += ',';
            first = false;
            append_string(out, key);
            out += ':';
            append_dump(out, member);
        }
        out += '}';
        return;
    }
    case Json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& item : value) {
            if (!first) out += ',';
            first = false;
            append_dump(out, item);
        }
        out += ']';
        return;
    }
    case Json::value_t::string: append_string(out, value.get_ref<const std::string&>()); return;
    case Json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::number_integer: append_integer(out, value.get<std::int64_t>()); return;
    case Json::value_t::number_unsigned: append_integer(out, value.get<std::uint64_t>()); return;
    default: out += value.dump(); return;  // floating point, binary, discarded
    }
}

std::string dump(const Json& value) {
    std::string out;
    append_dump(out, value);
    return out;
}

}  // namespace kvpod::json
