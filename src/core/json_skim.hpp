// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/document.hpp"

/// A strict pass over a runtime config's raw bytes that finds where the few
/// members the hook reads or changes lie, without building a tree. It is the
/// gate of the hook's fast path: it accepts only text that
/// document::parse_json would read to the same values, so a refusal just
/// means "take the slow path", which then reports the exact error.
namespace kvpod::json_skim {

/// The members whose places are recorded. Root, Process, Linux,
/// LinuxResources and LinuxSeccomp are containers: their own members are
/// recorded too, and new members can be inserted into them. The others are
/// leaves: replaced as a whole. SeccompSyscalls (most of a Podman config)
/// and Mounts have their elements recorded too, so that only the rules and
/// mounts that matter need to be parsed.
enum class Field : std::size_t {
    Root,
    Annotations,
    Process,
    ProcessEnv,
    ProcessRlimits,
    Mounts,
    Hooks,
    Linux,
    LinuxCgroupsPath,
    LinuxDevices,
    LinuxResources,
    LinuxResourcesDevices,
    LinuxSeccomp,
    SeccompDefaultAction,
    SeccompArchitectures,
    SeccompSyscalls,
    Count,
};

constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::Count);

/// How a field sits in the config: its parent and its key there.
struct FieldInfo {
    Field parent;
    std::string_view key;
    bool container;  ///< must be an object; holds other recorded fields
};

/// The table the skimmer and the splice share (Root's own entry is unused).
const FieldInfo& info(Field field);

/// Where one recorded value lies in the text.
struct Place {
    bool present = false;
    std::size_t begin = 0;        ///< first byte of the value
    std::size_t end = 0;          ///< one past its last byte
    std::size_t after_brace = 0;  ///< objects: the byte after '{', where members can be inserted
    bool has_members = false;     ///< objects: an insertion needs a trailing comma
};

/// A member of a container field, in text order.
struct Member {
    std::string_view key;      ///< as written (skim() refuses keys with escapes)
    std::size_t key_begin;     ///< its opening quote: where a member sorting before it goes
    std::size_t value_end;     ///< one past its value: where a member sorting after it goes
};

struct Skim {
    std::array<Place, kFieldCount> places;
    /// Members of the container fields (Root, Process, Linux, LinuxResources),
    /// so that a new member can be put where a sorted dump would have it.
    std::array<std::vector<Member>, kFieldCount> members;
    /// [begin, end) of each element of SeccompSyscalls when it is an array.
    std::vector<std::pair<std::size_t, std::size_t>> seccomp_rules;
    /// [begin, end) of each element of Mounts when it is an array.
    std::vector<std::pair<std::size_t, std::size_t>> mounts;
    const Place& operator[](Field f) const { return places[static_cast<std::size_t>(f)]; }
    const std::vector<Member>& members_of(Field f) const { return members[static_cast<std::size_t>(f)]; }
};

/// The places of the recorded fields, or nullopt ("not eligible") when the
/// text is not plain JSON that parse_json(text, ..., limits) would accept
/// with the same meaning: any syntax error, trailing bytes, a byte >= 0x80,
/// control characters or \u0000 or surrogate escapes in strings, escapes in
/// keys, a duplicate key in any object, exponents or overlong numbers,
/// nesting, size or value counts beyond `limits`, a root that is not an
/// object, or a container field that is not an object. Never throws.
std::optional<Skim> skim(std::string_view text, const document::Limits& limits);

}  // namespace kvpod::json_skim
