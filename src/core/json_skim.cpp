// SPDX-License-Identifier: Apache-2.0
#include "core/json_skim.hpp"

#include <algorithm>
#include <vector>

namespace kvpod::json_skim {
namespace {

constexpr std::array<FieldInfo, kFieldCount> kFields = {{
    {Field::Root, "", true},
    {Field::Root, "annotations", false},
    {Field::Root, "process", true},
    {Field::Process, "env", false},
    {Field::Process, "rlimits", false},
    {Field::Root, "mounts", false},
    {Field::Root, "hooks", false},
    {Field::Root, "linux", true},
    {Field::Linux, "cgroupsPath", false},
    {Field::Linux, "devices", false},
    {Field::Linux, "resources", true},
    {Field::LinuxResources, "devices", false},
    {Field::Linux, "seccomp", true},
    {Field::LinuxSeccomp, "defaultAction", false},
    {Field::LinuxSeccomp, "architectures", false},
    {Field::LinuxSeccomp, "syscalls", false},
}};

/// Not a recorded field: its value (and everything in it) is only checked.
constexpr std::size_t kNone = kFieldCount;

/// The recorded field a member `key` of `parent` is, or kNone.
std::size_t child_of(std::size_t parent, std::string_view key) {
    if (parent == kNone || !kFields[parent].container) return kNone;
    for (std::size_t i = 1; i < kFieldCount; ++i)
        if (static_cast<std::size_t>(kFields[i].parent) == parent && kFields[i].key == key) return i;
    return kNone;
}

/// Bytes a string may hold as they are: printable ASCII but the quote and
/// the backslash.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return plain;
}();

/// Numbers longer than this are left to the slow path: only they could
/// overflow a double there (an error) or lose digits differently.
constexpr std::size_t kMaxNumberLength = 40;

class Skimmer {
public:
    Skimmer(std::string_view text, const document::Limits& limits) : text_(text), limits_(limits) {}

    /// The iterative walk: a stack of open containers instead of recursion,
    /// so that no input can exhaust the C++ stack.
    bool run() {
        if (text_.size() > limits_.max_bytes) return false;
        std::size_t field = static_cast<std::size_t>(Field::Root);
        for (;;) {
            skip_blanks();
            if (auto* elements = recorded_elements()) elements->emplace_back(pos_, pos_);
            Step step = value(field);
            if (step == Step::Fail) return false;
            if (step == Step::Opened) {
                if (stack_.back().object) {
                    if (!member_key(field)) return false;
                } else {
                    field = kNone;
                }
                continue;
            }
            // After a value: close containers until one needs another member.
            for (;;) {
                if (stack_.empty()) {
                    skip_blanks();
                    return pos_ == text_.size();
                }
                std::size_t value_end = pos_;
                skip_blanks();
                if (pos_ >= text_.size()) return false;
                Frame& top = stack_.back();
                if (top.object && recorded_container(top.field)) skim_.members[top.field].back().value_end = value_end;
                if (auto* elements = recorded_elements()) elements->back().second = value_end;
                char c = text_[pos_++];
                if (c == ',') {
                    if (top.object) {
                        if (!member_key(field)) return false;
                    } else {
                        field = kNone;
                    }
                    break;
                }
                if (c != (top.object ? '}' : ']')) return false;
                if (top.object && !unique_keys(top.keys_begin)) return false;
                close(top.field);
                stack_.pop_back();
            }
        }
    }

    Skim take_result() { return std::move(skim_); }

private:
    struct Frame {
        bool object;
        std::size_t field;
        std::size_t keys_begin;  ///< this object's keys in keys_
    };

    // The hot loops work on a local copy of pos_: a store to the member
    // could alias the text's bytes, so the compiler would reload both.
    void skip_blanks() {
        std::size_t pos = pos_;
        const std::size_t size = text_.size();
        while (pos < size) {
            char c = text_[pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos;
        }
        pos_ = pos;
    }

    static bool recorded_container(std::size_t field) { return field != kNone && kFields[field].container; }

    /// Where the elements of the innermost array go, when they are recorded.
    std::vector<std::pair<std::size_t, std::size_t>>* recorded_elements() {
        if (stack_.empty() || stack_.back().object) return nullptr;
        if (stack_.back().field == static_cast<std::size_t>(Field::SeccompSyscalls)) return &skim_.seccomp_rules;
        if (stack_.back().field == static_cast<std::size_t>(Field::Mounts)) return &skim_.mounts;
        return nullptr;
    }

    bool count_node() { return ++nodes_ <= limits_.max_nodes; }

    void open_place(std::size_t field) {
        if (field == kNone) return;
        auto& place = skim_.places[field];
        place.present = true;
        place.begin = pos_;
    }

    void close(std::size_t field) {
        if (field != kNone) skim_.places[field].end = pos_;
    }

    enum class Step { Fail, Done, Opened };

    /// Reads one value starting at pos_: a scalar or an empty container is
    /// Done; a non-empty container is Opened (pushed), pos_ at its first
    /// member, for the caller's loop to read.
    Step value(std::size_t field) {
        if (pos_ >= text_.size() || !count_node()) return Step::Fail;
        char c = text_[pos_];
        if (field != kNone && kFields[field].container && c != '{') return Step::Fail;
        open_place(field);
        if (c == '{' || c == '[') {
            if (stack_.size() >= limits_.max_depth) return Step::Fail;
            bool object = c == '{';
            ++pos_;
            if (field != kNone) skim_.places[field].after_brace = pos_;
            skip_blanks();
            if (pos_ < text_.size() && text_[pos_] == (object ? '}' : ']')) {
                ++pos_;
                close(field);
                return Step::Done;
            }
            if (field != kNone) skim_.places[field].has_members = true;
            stack_.push_back(Frame{object, field, keys_.size()});
            return Step::Opened;
        }
        bool ok = false;
        if (c == '"') ok = string(nullptr);
        else if (c == '-' || (c >= '0' && c <= '9')) ok = number();
        else ok = literal("true") || literal("false") || literal("null");
        if (!ok) return Step::Fail;
        close(field);
        return Step::Done;
    }

    /// Reads `"key":` in the innermost object and sets `field` to the
    /// member's recorded field. Keys with escapes are refused: comparing
    /// them raw (for duplicates and field names) would then be wrong.
    bool member_key(std::size_t& field) {
        skip_blanks();
        if (pos_ >= text_.size() || text_[pos_] != '"') return false;
        bool escaped = false;
        std::size_t begin = pos_ + 1;
        if (!string(&escaped) || escaped) return false;
        std::string_view key = text_.substr(begin, pos_ - 1 - begin);
        keys_.push_back(key);
        std::size_t parent = stack_.back().field;
        if (recorded_container(parent)) skim_.members[parent].push_back(Member{key, begin - 1, 0});
        skip_blanks();
        if (pos_ >= text_.size() || text_[pos_] != ':') return false;
        ++pos_;
        skip_blanks();
        field = child_of(parent, key);
        return true;
    }

    /// The slow path refuses duplicate keys anywhere, so this does too.
    bool unique_keys(std::size_t keys_begin) {
        auto first = keys_.begin() + static_cast<std::ptrdiff_t>(keys_begin);
        std::sort(first, keys_.end());
        bool unique = std::adjacent_find(first, keys_.end()) == keys_.end();
        keys_.erase(first, keys_.end());
        return unique;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    bool string(bool* escaped) {
        ++pos_;  // the opening quote
        const char* data = text_.data();
        const std::size_t size = text_.size();
        while (pos_ < size) {
            // Most of a config is plain string bytes: skip them in a tight loop.
            std::size_t pos = pos_;
            while (pos < size && kPlain[static_cast<unsigned char>(data[pos])]) ++pos;
            pos_ = pos;
            if (pos_ >= size) return false;
            auto c = static_cast<unsigned char>(text_[pos_++]);
            if (c == '"') return true;
            // UTF-8 is left to the slow path, which validates it.
            if (c < 0x20 || c >= 0x80) return false;
            if (c != '\\') continue;
            if (escaped) *escaped = true;
            if (pos_ >= text_.size()) return false;
            char e = text_[pos_++];
            if (e == 'u') {
                if (pos_ + 4 > text_.size()) return false;
                int code = 0;
                for (int i = 0; i < 4; ++i) {
                    int digit = hex(text_[pos_++]);
                    if (digit < 0) return false;
                    code = code * 16 + digit;
                }
                // NUL may be refused by the limits; lone or paired
                // surrogates need the slow path's checks.
                if (code == 0 || (code >= 0xD800 && code <= 0xDFFF)) return false;
            } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                return false;
            }
        }
        return false;
    }

    bool digits() {
        std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
        return pos_ > start;
    }

    bool number() {
        std::size_t start = pos_;
        if (text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '0') ++pos_;
        else if (!digits()) return false;
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            if (!digits()) return false;
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) return false;
        return pos_ - start <= kMaxNumberLength;
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    std::string_view text_;
    const document::Limits& limits_;
    std::size_t pos_ = 0;
    std::size_t nodes_ = 0;
    std::vector<Frame> stack_;
    std::vector<std::string_view> keys_;
    Skim skim_;
};

}  // namespace

const FieldInfo& info(Field field) { return kFields[static_cast<std::size_t>(field)]; }

std::optional<Skim> skim(std::string_view text, const document::Limits& limits) {
    Skimmer skimmer(text, limits);
    if (!skimmer.run()) return std::nullopt;
    return skimmer.take_result();
}

}  // namespace kvpod::json_skim
