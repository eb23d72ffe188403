// SPDX-License-Identifier: Apache-2.0
#include "core/document.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::document {

std::string pointer(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& part : path) {
        out += '/';
        for (char c : part) {
            if (c == '~') out += "~0";
            else if (c == '/') out += "~1";
            else out += c;
        }
    }
    return out.empty() ? "/" : out;
}

namespace {

void check_size(std::string_view text, std::string_view source, const Limits& limits) {
    if (text.size() > limits.max_bytes) {
        throw Error("input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                        std::to_string(limits.max_bytes),
                    std::string(source), "shorten it or raise the limit in the hook's configuration");
    }
}

/// Builds a Json tree from nlohmann's SAX events so that depth, duplicate
/// keys, NUL bytes and number range are checked while the text is read,
/// with a JSON pointer to the offending value.
class JsonBuilder final : public nlohmann::json_sax<Json> {
public:
    JsonBuilder(std::string_view text, std::string_view source, const Limits& limits)
        : text_(text), source_(source), limits_(limits) {}

    Json take() { return std::move(root_); }

    bool null() override { return add(Json(nullptr)); }
    bool boolean(bool v) override { return add(Json(v)); }
    bool number_integer(number_integer_t v) override { return add(Json(v)); }
    bool number_unsigned(number_unsigned_t v) override { return add(Json(v)); }
    bool number_float(number_float_t v, const string_t&) override {
        if (!std::isfinite(v)) fail("number out of range");
        return add(Json(v));
    }
    bool string(string_t& v) override {
        check_string(v);
        return add(Json(std::move(v)));
    }
    bool binary(binary_t&) override {
        fail("binary values are not JSON");
        return false;
    }
    bool start_object(std::size_t) override { return open(Json::object()); }
    bool key(string_t& k) override {
        check_string(k);
        auto& frame = stack_.back();
        frame.key = k;  // set first, so a message points at this key
        if (frame.value->contains(k)) fail("duplicate key " + text::quoted(k));
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(Json::array()); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
        auto lc = text::line_column(text_, position == 0 ? 0 : position - 1);
        // nlohmann writes "[json.exception.parse_error.101] parse error at line 1,
        // column 2: <reason>; last read: '<bytes>'". Keep the reason: the
        // location is ours, and the bytes may be the very garbage that failed.
        std::string what = ex.what();
        if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
        if (auto pos = what.find("column "); pos != std::string::npos)
            if (auto colon = what.find(": ", pos); colon != std::string::npos) what = what.substr(colon + 2);
        if (auto pos = what.find("; last read:"); pos != std::string::npos) {
            auto expected = what.find("; expected ", pos);
            what = what.substr(0, pos) + (expected == std::string::npos ? std::string() : what.substr(expected));
        }
        throw Error("invalid JSON: " + what,
                    text::position(source_, lc));
    }

private:
    struct Frame {
        Json* value;
        std::string key;
        std::size_t index = 0;
    };

    [[noreturn]] void fail(const std::string& what) const {
        std::vector<std::string> path;
        for (const auto& f : stack_) {
            if (f.value->is_object()) path.push_back(f.key);
            else path.push_back(std::to_string(f.index));
        }
        throw Error(what, std::string(source_) + ":" + pointer(path));
    }

    void check_string(const std::string& s) const {
        if (limits_.reject_nul && s.find('\0') != std::string::npos) fail("NUL byte in a string");
    }

    /// Stores `v` in the innermost container. An array's index advances when
    /// a scalar lands in it, or when a nested container closes, so messages
    /// name the element being read.
    Json* place(Json&& v, bool container) {
        if (++nodes_ > limits_.max_nodes) fail("more than " + std::to_string(limits_.max_nodes) + " values");
        if (stack_.empty()) {
            root_ = std::move(v);
            return &root_;
        }
        auto& frame = stack_.back();
        if (frame.value->is_object()) return &((*frame.value)[frame.key] = std::move(v));
        frame.value->push_back(std::move(v));
        if (!container) ++frame.index;
        return &frame.value->back();
    }

    bool add(Json&& v) {
        place(std::move(v), false);
        return true;
    }

    bool open(Json&& container) {
        if (stack_.size() >= limits_.max_depth)
            fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
        Json* slot = place(std::move(container), true);
        stack_.push_back(Frame{slot, {}, 0});
        return true;
    }

    bool close() {
        stack_.pop_back();
        if (!stack_.empty() && stack_.back().value->is_array()) ++stack_.back().index;
        return true;
    }

    std::string_view text_;
    std::string_view source_;
    const Limits& limits_;
    Json root_;
    std::vector<Frame> stack_;
    std::size_t nodes_ = 0;
};

}  // namespace

Json parse_json(std::string_view text, std::string_view source, const Limits& limits) {
    check_size(text, source, limits);
    JsonBuilder builder(text, source, limits);
    Json::sax_parse(text.begin(), text.end(), &builder, nlohmann::detail::input_format_t::json, true, false);
    return builder.take();
}

bool looks_like_json(std::string_view text) {
    auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

Json parse_json_or_yaml(std::string_view text, std::string_view source, const Limits& limits) {
    return looks_like_json(text) ? parse_json(text, source, limits) : parse_yaml(text, source, limits);
}

}  // namespace kvpod::document
