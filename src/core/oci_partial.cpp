// SPDX-License-Identifier: Apache-2.0
#include "core/oci_partial.hpp"

#include <string.h>

#include <algorithm>

#include "core/json_dump.hpp"

namespace kvpod::oci {

using json_skim::Field;
using Json = nlohmann::json;

/// Replace text_[begin, end) with `text`; begin == end inserts.
struct PartialConfig::Edit {
    std::size_t begin;
    std::size_t end;
    std::string text;
};

namespace {

const Json* find_field(const Json& doc, Field field) {
    if (field == Field::Root) return &doc;
    const Json* parent = find_field(doc, json_skim::info(field).parent);
    if (!parent || !parent->is_object()) return nullptr;
    auto it = parent->find(json_skim::info(field).key);
    return it == parent->end() ? nullptr : &*it;
}

/// The member of `doc` at `field`'s path, creating the containers on the way.
Json& slot(Json& doc, Field field) {
    if (field == Field::Root) return doc;
    return slot(doc, json_skim::info(field).parent)[std::string(json_skim::info(field).key)];
}

/// The recorded field that member `key` of `parent` is, if any.
std::optional<Field> child_field(Field parent, std::string_view key) {
    for (std::size_t i = 1; i < json_skim::kFieldCount; ++i) {
        auto field = static_cast<Field>(i);
        if (json_skim::info(field).parent == parent && json_skim::info(field).key == key) return field;
    }
    return std::nullopt;
}

}  // namespace

bool PartialConfig::load(Field field) {
    const auto& place = skim_[field];
    if (!place.present) return true;
    if (json_skim::info(field).container) {
        // Only its recorded members are loaded, so it starts empty.
        slot(doc_, field) = Json::object();
        return true;
    }
    // skim() has checked this text against the same limits and rules as
    // document::parse_json (duplicates, depth, size, encoding), so the plain
    // parser reads it to the same value, without the checks' cost.
    Json value = Json::parse(text_.substr(place.begin, place.end - place.begin), nullptr, false);
    if (value.is_discarded()) return false;
    slot(doc_, field) = std::move(value);
    return true;
}

std::optional<PartialConfig> PartialConfig::read(std::string_view text, const document::Limits& limits) {
    auto skim = json_skim::skim(text, limits);
    if (!skim) return std::nullopt;
    PartialConfig config(text, std::move(*skim));
    for (Field field : {Field::Annotations, Field::Process, Field::ProcessEnv, Field::Linux, Field::LinuxCgroupsPath})
        if (!config.load(field)) return std::nullopt;
    return config;
}

bool PartialConfig::load_mounts() {
    const auto& place = skim_[Field::Mounts];
    if (!place.present || text_[place.begin] != '[') return load(Field::Mounts);
    sparse_mounts_ = true;
    Json mounts = Json::array();
    for (auto [begin, end] : skim_.mounts) {
        std::string_view mount = text_.substr(begin, end - begin);
        // An escape might spell the path differently: such a mount is read.
        if (mount.find("/run/.containerenv") == std::string_view::npos && mount.find('\\') == std::string_view::npos)
            continue;
        Json value = Json::parse(mount, nullptr, false);
        if (value.is_discarded()) return false;
        mounts.push_back(std::move(value));
    }
    slot(doc_, Field::Mounts) = std::move(mounts);
    return true;
}

/// Only rules whose text names one of `syscalls` can matter to
/// allow_syscall(); a rule with an escape might spell a name differently, so
/// it is loaded too. The others (nearly all of Podman's profile) stay text.
bool PartialConfig::load_rules(const std::vector<std::string>& syscalls) {
    const auto& place = skim_[Field::SeccompSyscalls];
    if (!place.present || text_[place.begin] != '[') return load(Field::SeccompSyscalls);
    sparse_rules_ = true;
    // One pass over the rules' text per name (not per rule and name): each
    // hit marks the rule it falls in.
    const auto& ranges = skim_.seccomp_rules;
    std::vector<bool> may_matter(ranges.size(), false);
    auto mark_rules_with = [&](std::string_view needle) {
        // memmem, not string_view::find: that stops at every '"' of the rules.
        const char* const begin = text_.data() + place.begin;
        const char* const end = text_.data() + place.end;
        for (const char* at = begin; at < end; ++at) {
            at = static_cast<const char*>(::memmem(at, static_cast<std::size_t>(end - at), needle.data(), needle.size()));
            if (at == nullptr) break;
            std::size_t offset = static_cast<std::size_t>(at - text_.data());
            auto rule = std::upper_bound(ranges.begin(), ranges.end(), offset,
                                         [](std::size_t o, const auto& range) { return o < range.first; });
            if (rule == ranges.begin()) continue;
            --rule;
            if (offset < rule->second) may_matter[static_cast<std::size_t>(rule - ranges.begin())] = true;
        }
    };
    for (const auto& name : syscalls) mark_rules_with('"' + name + '"');
    mark_rules_with("\\");  // an escape might spell a name differently
    Json rules = Json::array();
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        if (!may_matter[i]) continue;
        auto [begin, end] = ranges[i];
        Json value = Json::parse(text_.substr(begin, end - begin), nullptr, false);
        if (value.is_discarded()) return false;
        rules.push_back(std::move(value));
        loaded_rules_.push_back(i);
        rule_origin_.emplace_back(i);
    }
    slot(doc_, Field::SeccompSyscalls) = std::move(rules);
    return true;
}

bool PartialConfig::load_for_patch(const std::vector<std::string>& syscalls) {
    for (Field field : {Field::ProcessRlimits, Field::Hooks, Field::LinuxDevices, Field::LinuxResources,
                        Field::LinuxResourcesDevices, Field::LinuxSeccomp, Field::SeccompDefaultAction,
                        Field::SeccompArchitectures})
        if (!load(field)) return false;
    if (!load_rules(syscalls)) return false;
    before_ = doc_;
    return true;
}

void PartialConfig::note_rules_change(const std::vector<bool>& removed, bool appended) {
    if (!sparse_rules_ || (removed.empty() && !appended)) return;
    if (removed.size() != rule_origin_.size()) {
        rules_lost_track_ = true;
        return;
    }
    std::vector<std::optional<std::size_t>> kept;
    for (std::size_t i = 0; i < removed.size(); ++i)
        if (!removed[i]) kept.push_back(rule_origin_[i]);
    if (appended) kept.emplace_back(std::nullopt);
    rule_origin_ = std::move(kept);
}

/// The rules array as text: the text's own rules where they are unchanged,
/// the loaded ones as they are now, new ones at the end. Nullopt when it
/// is unchanged.
std::optional<std::string> PartialConfig::rules_text(const Json& rules) const {
    const Json& before = *find_field(before_, Field::SeccompSyscalls);
    std::vector<const Json*> now(skim_.seccomp_rules.size(), nullptr);
    std::vector<const Json*> added;
    bool changed = rule_origin_.size() != loaded_rules_.size();
    for (std::size_t j = 0; j < rule_origin_.size(); ++j) {
        if (!rule_origin_[j]) {
            added.push_back(&rules[j]);
            changed = true;
            continue;
        }
        now[*rule_origin_[j]] = &rules[j];
    }
    std::vector<bool> loaded(skim_.seccomp_rules.size(), false);
    for (std::size_t k = 0; k < loaded_rules_.size(); ++k) {
        loaded[loaded_rules_[k]] = true;
        const Json* rule = now[loaded_rules_[k]];
        if (rule && *rule != before[k]) changed = true;
    }
    if (!changed) return std::nullopt;
    std::string out = "[";
    auto append = [&](std::string_view item) {
        if (out.size() > 1) out += ',';
        out += item;
    };
    for (std::size_t i = 0; i < skim_.seccomp_rules.size(); ++i) {
        auto [begin, end] = skim_.seccomp_rules[i];
        if (!loaded[i]) append(text_.substr(begin, end - begin));
        else if (now[i]) append(json::dump(*now[i]));  // removed rules have no entry
    }
    for (const Json* rule : added) append(json::dump(*rule));
    return out + "]";
}

bool PartialConfig::edit_container(Field parent, const Json& value, std::vector<Edit>& edits) const {
    if (!value.is_object()) return false;
    const auto& members = skim_.members_of(parent);
    bool inserted_into_empty = false;
    for (auto item = value.begin(); item != value.end(); ++item) {
        const std::string& key = item.key();
        const Json& member = item.value();
        auto field = child_field(parent, key);
        if (!field) return false;
        const auto& place = skim_[*field];
        if (!place.present) {
            // Where a sorted dump would put it, so that sorted compact input
            // (what the hook itself writes) comes out byte for byte as the
            // slow path's dump; elsewhere any place means the same.
            std::string text = '"' + key + "\":" + json::dump(member);
            auto next = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.key > key; });
            if (next != members.end()) edits.push_back(Edit{next->key_begin, next->key_begin, text + ','});
            else if (!members.empty()) edits.push_back(Edit{members.back().value_end, members.back().value_end, ',' + text});
            else {
                auto at = skim_[parent].after_brace;
                edits.push_back(Edit{at, at, inserted_into_empty ? ',' + text : text});
                inserted_into_empty = true;
            }
            continue;
        }
        if (json_skim::info(*field).container) {
            if (!edit_container(*field, member, edits)) return false;
            continue;
        }
        if (*field == Field::SeccompSyscalls && sparse_rules_) {
            if (rules_lost_track_ || !member.is_array() || member.size() != rule_origin_.size()) return false;
            if (auto text = rules_text(member)) edits.push_back(Edit{place.begin, place.end, std::move(*text)});
            continue;
        }
        const Json* before = find_field(before_, *field);
        bool changed = !before || *before != member;
        if (changed && *field == Field::Mounts && sparse_mounts_) return false;  // the others are not in doc_
        if (changed) edits.push_back(Edit{place.begin, place.end, json::dump(member)});
    }
    // A member of the text that the document lost cannot be written back.
    for (std::size_t i = 1; i < json_skim::kFieldCount; ++i) {
        auto field = static_cast<Field>(i);
        if (json_skim::info(field).parent == parent && skim_[field].present &&
            !value.contains(json_skim::info(field).key))
            return false;
    }
    return true;
}

std::optional<std::string> PartialConfig::write_back() const {
    std::vector<Edit> edits;
    if (!edit_container(Field::Root, doc_, edits)) return std::nullopt;
    // Edits never overlap: a replaced member holds no recorded field, and a
    // container's insertion point lies before all of its members.
    std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
    std::string out;
    std::size_t grown = 0;
    for (const auto& e : edits) grown += e.text.size();
    out.reserve(text_.size() + grown);
    std::size_t at = 0;
    for (const auto& e : edits) {
        out.append(text_.substr(at, e.begin - at));
        out += e.text;
        at = e.end;
    }
    out.append(text_.substr(at));
    // The slow path's dump ends with a newline; so does this.
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

}  // namespace kvpod::oci
