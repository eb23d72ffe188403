// SPDX-License-Identifier: Apache-2.0
#include "core/oci_partial.hpp"

#include <algorithm>

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
    PartialConfig config(text, *skim);
    for (Field field : {Field::Annotations, Field::Process, Field::ProcessEnv, Field::Mounts, Field::Linux,
                        Field::LinuxCgroupsPath})
        if (!config.load(field)) return std::nullopt;
    return config;
}

bool PartialConfig::load_for_patch() {
    for (Field field : {Field::ProcessRlimits, Field::Hooks, Field::LinuxDevices, Field::LinuxResources,
                        Field::LinuxResourcesDevices})
        if (!load(field)) return false;
    before_ = doc_;
    return load(Field::LinuxSeccomp);
}

bool PartialConfig::edit_container(Field parent, const Json& value, bool seccomp_changed,
                                   std::vector<Edit>& edits) const {
    if (!value.is_object()) return false;
    const auto& members = skim_.members_of(parent);
    bool inserted_into_empty = false;
    for (const auto& [key, member] : value.items()) {
        auto field = child_field(parent, key);
        if (!field) return false;
        const auto& place = skim_[*field];
        if (!place.present) {
            // Where a sorted dump would put it, so that sorted compact input
            // (what the hook itself writes) comes out byte for byte as the
            // slow path's dump; elsewhere any place means the same.
            std::string text = '"' + key + "\":" + member.dump();
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
            if (!edit_container(*field, member, seccomp_changed, edits)) return false;
            continue;
        }
        const Json* before = find_field(before_, *field);
        bool changed = *field == Field::LinuxSeccomp ? seccomp_changed : !before || *before != member;
        if (changed) edits.push_back(Edit{place.begin, place.end, member.dump()});
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

std::optional<std::string> PartialConfig::write_back(bool seccomp_changed) const {
    std::vector<Edit> edits;
    if (!edit_container(Field::Root, doc_, seccomp_changed, edits)) return std::nullopt;
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
