// SPDX-License-Identifier: Apache-2.0
// YAML text → the JSON data model, from libyaml's event stream (no node
// tree), so nesting, alias expansion and duplicate keys are checked as the
// text is read, with the line and column of the offending node. Scalars are
// typed here by the YAML 1.2 core schema, as Kubernetes' sigs.k8s.io/yaml
// reads a manifest.
#include <yaml.h>

#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::document {
namespace {

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

bool is_null_word(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

std::optional<bool> bool_word(std::string_view s) {
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    return std::nullopt;
}

bool all_of(std::string_view s, std::string_view chars) {
    return !s.empty() && s.find_first_not_of(chars) == std::string_view::npos;
}

/// YAML 1.2 core-schema float syntax, checked without <regex> on the hot path.
bool looks_like_float(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exp = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
        if (exp == 0) return false;
    }
    return i == s.size();
}

/// Where a node starts in the text (libyaml counts lines and columns from 0).
using Mark = yaml_mark_t;

/// An anchor's name, empty when the node has none.
std::string anchor_of(const yaml_char_t* anchor) {
    return anchor ? std::string(reinterpret_cast<const char*>(anchor)) : std::string();
}

class YamlBuilder {
public:
    YamlBuilder(std::string_view source, const Limits& limits) : source_(source), limits_(limits) {}

    /// Builds from one parser event; false at the end of a document.
    bool handle(const yaml_event_t& event) {
        const Mark& mark = event.start_mark;
        switch (event.type) {
        case YAML_DOCUMENT_START_EVENT:
            root_ = Json();
            has_root_ = false;
            stack_.clear();
            anchors_.clear();
            return true;
        case YAML_DOCUMENT_END_EVENT:
            return false;
        case YAML_ALIAS_EVENT:
            alias(mark, anchor_of(event.data.alias.anchor));
            return true;
        case YAML_SCALAR_EVENT: {
            const auto& scalar = event.data.scalar;
            std::string value(reinterpret_cast<const char*>(scalar.value), scalar.length);
            scalar_value(mark, anchor_of(scalar.anchor), resolve(mark, tag_of(scalar), value));
            return true;
        }
        case YAML_SEQUENCE_START_EVENT:
            open(mark, anchor_of(event.data.sequence_start.anchor), Json::array());
            return true;
        case YAML_MAPPING_START_EVENT:
            open(mark, anchor_of(event.data.mapping_start.anchor), Json::object());
            return true;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            close();
            return true;
        default:  // stream start and end
            return true;
        }
    }

    bool has_root() const { return has_root_; }
    Json take() { return std::move(root_); }

private:
    struct Frame {
        Json value;
        std::string anchor;
        Mark mark;
        std::size_t first_node;
        std::optional<std::string> key;  ///< maps: the key waiting for its value
        Mark key_mark;
        std::set<std::string> merged;  ///< keys that came from "<<" and may be overridden
    };
    struct Anchored {
        Json value;
        std::size_t nodes;
    };

    /// The scalar's tag as resolve() reads it: "?" for a plain scalar without
    /// one (typed by the core schema), "!" for a quoted or block one (always
    /// a string), else the tag libyaml resolved ("!!str" -> "tag:yaml.org,2002:str").
    static std::string tag_of(const decltype(yaml_event_t{}.data.scalar)& scalar) {
        if (scalar.tag) return reinterpret_cast<const char*>(scalar.tag);
        return scalar.style == YAML_PLAIN_SCALAR_STYLE ? "?" : "!";
    }

    void alias(const Mark& mark, const std::string& anchor) {
        auto it = anchors_.find(anchor);
        if (it == anchors_.end()) fail(mark, "alias to an unknown anchor");
        nodes_ += it->second.nodes;
        if (nodes_ > limits_.max_nodes)
            fail(mark, "aliases expand to more than " + std::to_string(limits_.max_nodes) + " values");
        insert(mark, Json(it->second.value));
    }

    [[noreturn]] void fail(const Mark& mark, const std::string& what) const {
        throw Error(what, location(mark));
    }

    std::string location(const Mark& mark) const {
        return text::position(source_, {mark.line + 1, mark.column + 1});
    }

    Json resolve(const Mark& mark, const std::string& tag, const std::string& value) const {
        if (limits_.reject_nul && value.find('\0') != std::string::npos) fail(mark, "NUL byte in a string");
        if (tag == "!") return Json(value);  // quoted or block scalar: always a string
        if (tag != "?" && !tag.empty()) {
            if (!text::starts_with(tag, kTagPrefix)) fail(mark, "unsupported tag " + text::quoted(tag));
            auto kind = std::string_view(tag).substr(kTagPrefix.size());
            if (kind == "str") return Json(value);
            if (kind == "null" && is_null_word(value)) return Json(nullptr);
            if (kind == "bool" && bool_word(value)) return Json(*bool_word(value));
            if (kind == "int" || kind == "float") {
                Json n = number(mark, value);
                if (!n.is_null()) return n;
            }
            fail(mark, "value " + text::quoted(value) + " does not fit its tag " + text::quoted(tag));
        }
        if (is_null_word(value)) return Json(nullptr);
        if (auto b = bool_word(value)) return Json(*b);
        Json n = number(mark, value);
        if (!n.is_null()) return n;
        return Json(value);
    }

    /// A plain scalar that is a YAML 1.2 core-schema number, or null.
    Json number(const Mark& mark, const std::string& s) const {
        std::string_view v = s;
        bool negative = false;
        std::string_view digits = v;
        if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
            negative = digits[0] == '-';
            digits.remove_prefix(1);
        }
        int base = 0;
        if (all_of(digits, "0123456789")) base = 10;
        else if (text::starts_with(v, "0x") && all_of(v.substr(2), "0123456789abcdefABCDEF")) base = 16, digits = v.substr(2), negative = false;
        else if (text::starts_with(v, "0o") && all_of(v.substr(2), "01234567")) base = 8, digits = v.substr(2), negative = false;
        if (base != 0) {
            auto magnitude = text::parse_u64(digits, base);
            if (!magnitude) fail(mark, "integer " + text::quoted(s) + " is out of range");
            if (!negative) {
                if (*magnitude <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    return Json(static_cast<std::int64_t>(*magnitude));
                return Json(*magnitude);
            }
            if (*magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1)
                fail(mark, "integer " + text::quoted(s) + " is out of range");
            return Json(static_cast<std::int64_t>(0 - *magnitude));
        }
        if (v == ".inf" || v == ".Inf" || v == ".INF" || v == "+.inf" || v == "-.inf" || v == ".nan" ||
            v == ".NaN" || v == ".NAN")
            fail(mark, "value " + text::quoted(s) + " has no JSON form");
        if (looks_like_float(v)) {
            errno = 0;
            double d = std::strtod(s.c_str(), nullptr);
            if (errno == ERANGE || !std::isfinite(d)) fail(mark, "number " + text::quoted(s) + " is out of range");
            return Json(d);
        }
        return Json();
    }

    void count(const Mark& mark) {
        if (++nodes_ > limits_.max_nodes) fail(mark, "more than " + std::to_string(limits_.max_nodes) + " values");
    }

    void scalar_value(const Mark& mark, const std::string& anchor, Json value) {
        count(mark);
        if (!anchor.empty()) remember(mark, anchor, value, 1);
        insert(mark, std::move(value));
    }

    /// Anchored values are kept as copies; their total size is bounded too,
    /// or nested anchors would cost memory quadratic in the text.
    void remember(const Mark& mark, const std::string& anchor, const Json& value, std::size_t nodes) {
        anchored_nodes_ += nodes;
        if (anchored_nodes_ > limits_.max_nodes)
            fail(mark, "anchors hold more than " + std::to_string(limits_.max_nodes) + " values");
        anchors_[anchor] = Anchored{value, nodes};
    }

    void open(const Mark& mark, const std::string& anchor, Json container) {
        count(mark);
        if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key)
            fail(mark, "a mapping or sequence used as a key");
        if (stack_.size() >= limits_.max_depth)
            fail(mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
        stack_.push_back(Frame{std::move(container), anchor, mark, nodes_ - 1, std::nullopt, {}, {}});
    }

    void close() {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        if (frame.value.is_object() && frame.key) fail(frame.key_mark, "key without a value");
        if (!frame.anchor.empty()) remember(frame.mark, frame.anchor, frame.value, nodes_ - frame.first_node);
        insert(frame.mark, std::move(frame.value));
    }

    /// Places a finished value into its parent (or as the root).
    void insert(const Mark& mark, Json value) {
        if (stack_.empty()) {
            root_ = std::move(value);
            has_root_ = true;
            return;
        }
        Frame& parent = stack_.back();
        if (parent.value.is_array()) {
            parent.value.push_back(std::move(value));
            return;
        }
        if (!parent.key) {
            if (value.is_string()) parent.key = value.get<std::string>();
            else if (value.is_null()) parent.key = std::string("null");
            else parent.key = value.dump();  // Kubernetes YAML stringifies scalar keys too
            parent.key_mark = mark;
            return;
        }
        std::string key = std::move(*parent.key);
        parent.key.reset();
        if (key == "<<" && (value.is_object() || value.is_array())) {
            merge(parent, mark, value);
            return;
        }
        if (parent.value.contains(key) && !parent.merged.erase(key))
            fail(parent.key_mark, "duplicate key " + text::quoted(key));
        parent.value[key] = std::move(value);
    }

    /// YAML merge keys ("<<: *base"): keys already present win.
    void merge(Frame& parent, const Mark& mark, const Json& source) {
        auto merge_one = [&](const Json& map) {
            if (!map.is_object()) fail(mark, "merge key value is not a mapping");
            for (const auto& [k, v] : map.items())
                if (!parent.value.contains(k)) parent.value[k] = v, parent.merged.insert(k);
        };
        if (source.is_object()) merge_one(source);
        else for (const auto& item : source) merge_one(item);
    }

    std::string_view source_;
    const Limits& limits_;
    Json root_;
    bool has_root_ = false;
    std::vector<Frame> stack_;
    std::map<std::string, Anchored, std::less<>> anchors_;
    std::size_t nodes_ = 0;
    std::size_t anchored_nodes_ = 0;
};

/// One libyaml event, deleted when the next one is read or at scope exit.
class Event {
public:
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event() { clear(); }
    yaml_event_t* reset() {
        clear();
        return &event_;
    }
    const yaml_event_t& get() const { return event_; }

private:
    void clear() {
        if (held_) yaml_event_delete(&event_);
        held_ = false;
    }
    friend class Parser;
    yaml_event_t event_{};
    bool held_ = false;
};

/// libyaml's parser over a text that outlives it.
class Parser {
public:
    explicit Parser(std::string_view text) {
        if (!yaml_parser_initialize(&parser_)) throw std::bad_alloc();
        yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
        yaml_parser_set_encoding(&parser_, YAML_UTF8_ENCODING);
        text_ = text;
    }
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;
    ~Parser() { yaml_parser_delete(&parser_); }

    /// Reads the next event into `event`; false after the end of the stream.
    bool next(Event& event, std::string_view source) {
        if (done_) return false;
        yaml_event_t* slot = event.reset();
        if (!yaml_parser_parse(&parser_, slot)) fail(source);
        event.held_ = true;
        done_ = slot->type == YAML_STREAM_END_EVENT;
        return true;
    }

private:
    [[noreturn]] void fail(std::string_view source) const {
        if (parser_.error == YAML_MEMORY_ERROR) throw std::bad_alloc();
        std::string what = "invalid YAML: ";
        what += parser_.problem ? parser_.problem : "unreadable text";
        if (parser_.context) what += std::string(" (") + parser_.context + ")";
        // A reader error has a byte offset, the others a mark.
        auto at = parser_.error == YAML_READER_ERROR
                      ? text::line_column(text_, parser_.problem_offset)
                      : text::LineColumn{parser_.problem_mark.line + 1, parser_.problem_mark.column + 1};
        throw Error(what, text::position(source, at));
    }

    yaml_parser_t parser_{};
    std::string_view text_;
    bool done_ = false;
};

std::vector<Json> parse_stream(std::string_view text, std::string_view source, const Limits& limits,
                               bool single) {
    if (text.size() > limits.max_bytes) {
        throw Error("input is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                        std::to_string(limits.max_bytes),
                    std::string(source), "shorten it or raise the limit in the hook's configuration");
    }
    if (limits.reject_nul && text.find('\0') != std::string_view::npos) {
        auto lc = text::line_column(text, text.find('\0'));
        throw Error("NUL byte in YAML text",
                    text::position(source, lc));
    }
    // libyaml would stop at invalid UTF-8 too, but naming neither the byte nor
    // a line; nlohmann::json would fail only later, far from the text.
    if (auto bad = text::invalid_utf8_at(text); bad != std::string_view::npos) {
        auto lc = text::line_column(text, bad);
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
        throw Error(std::string("invalid UTF-8 (byte ") + byte + ")",
                    text::position(source, lc),
                    "save the file as UTF-8");
    }
    Parser parser(text);
    YamlBuilder builder(source, limits);
    std::vector<Json> docs;
    for (Event event; parser.next(event, source);) {
        if (builder.handle(event.get()) || !builder.has_root()) continue;
        Json doc = builder.take();  // a document ended
        if (!doc.is_null()) docs.push_back(std::move(doc));
        if (single && docs.size() > 1)
            throw Error("more than one YAML document", std::string(source),
                        "pass one VirtualMachine or VirtualMachineInstance per input");
    }
    return docs;
}

}  // namespace

Json parse_yaml(std::string_view text, std::string_view source, const Limits& limits) {
    auto docs = parse_stream(text, source, limits, true);
    return docs.empty() ? Json() : std::move(docs.front());
}

std::vector<Json> parse_yaml_stream(std::string_view text, std::string_view source, const Limits& limits) {
    return parse_stream(text, source, limits, false);
}

}  // namespace kvpod::document
