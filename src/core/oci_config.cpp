// SPDX-License-Identifier: Apache-2.0
#include "core/oci_config.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::oci {
namespace {

constexpr std::string_view kSource = "config.json";

std::string where(std::string_view pointer) { return std::string(kSource) + ":" + std::string(pointer); }

[[noreturn]] void wrong_type(std::string_view pointer, std::string_view expected, const Json& found) {
    throw Error("expected " + std::string(expected) + ", found " + std::string(found.type_name()), where(pointer),
                "the runtime config is malformed; check the hooks that ran before this one");
}

/// The member `key` of `parent` when present and of the expected kind.
const Json* member(const Json& parent, const char* key, Json::value_t kind, std::string_view pointer) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return nullptr;
    if (it->type() != kind) {
        const char* expected = kind == Json::value_t::object ? "an object" : kind == Json::value_t::array ? "an array" : "a string";
        wrong_type(pointer, expected, *it);
    }
    return &*it;
}

/// Like member(), but creates the member (as `kind`) in a mutable parent.
Json& member_for_write(Json& parent, const char* key, Json::value_t kind, std::string_view pointer) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return parent[key] = Json(kind);
    if (it->type() != kind) member(parent, key, kind, pointer);
    return *it;
}

bool is_hex_id(std::string_view s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

/// Podman's cgroupfs leaf is "libpod-<id>", its systemd one "<slice>:libpod:<id>".
std::string id_from_cgroups_path(std::string_view path) {
    auto cut = path.find_last_of("/:");
    std::string_view leaf = cut == std::string_view::npos ? path : path.substr(cut + 1);
    if (text::starts_with(leaf, "libpod-")) leaf.remove_prefix(7);
    if (text::ends_with(leaf, ".scope")) leaf.remove_suffix(6);
    return is_hex_id(leaf) ? std::string(leaf) : std::string();
}

struct RunDir {
    std::string id;
    std::string dir;
};

/// entry[key] when it is a string, else "": a member of another type never
/// matches, and is left for the runtime to judge (nlohmann's value() throws).
/// A view into `entry`, which must outlive it.
std::string_view text_of(const Json& entry, const char* key) {
    auto it = entry.find(key);
    return it != entry.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view();
}

/// entry[key] when it is a boolean, else false.
bool flag_of(const Json& entry, const char* key) {
    auto it = entry.find(key);
    return it != entry.end() && it->is_boolean() && it->get<bool>();
}

/// Podman bind-mounts /run/.containerenv from
/// "<runroot>/<driver>-containers/<id>/userdata/.containerenv".
RunDir run_dir_from_mounts(const Json& config) {
    auto mounts = config.find("mounts");
    if (mounts == config.end() || !mounts->is_array()) return {};
    for (const auto& m : *mounts) {
        if (!m.is_object() || text_of(m, "destination") != "/run/.containerenv") continue;
        std::string_view source = text_of(m, "source");
        constexpr std::string_view tail = "/userdata/.containerenv";
        if (source.empty() || source.front() != '/' || !text::ends_with(source, tail)) continue;
        std::string_view dir = source.substr(0, source.size() - tail.size());
        auto slash = dir.find_last_of('/');
        std::string_view id = dir.substr(slash + 1);
        std::string_view parent = dir.substr(0, slash);
        if (!is_hex_id(id) || !text::ends_with(parent, "-containers")) continue;
        return {std::string(id), std::string(source.substr(0, source.size() - std::string_view("/.containerenv").size()))};
    }
    return {};
}

/// An element of a list in the config, for messages: its pointer is only
/// spelled out when there is an error (the hook checks every rule for every
/// node, and building the text each time was most of the patch's cost).
struct Element {
    std::string_view list;  ///< "/linux/devices"
    std::size_t index;
    std::string pointer() const { return std::string(list) + "/" + std::to_string(index); }
};

std::int64_t integer_at(const Json& entry, const char* key, const Element& at) {
    auto it = entry.find(key);
    if (it == entry.end()) return -1;  // wildcard in cgroup rules
    if (!it->is_number_integer()) wrong_type(at.pointer() + "/" + key, "an integer", *it);
    return it->get<std::int64_t>();
}

bool is_one_char(std::string_view text, char c) { return text.size() == 1 && text.front() == c; }

bool same_node(const Json& entry, const DeviceNode& node, const Element& pointer) {
    return is_one_char(text_of(entry, "type"), node.type) && integer_at(entry, "major", pointer) == node.major &&
           integer_at(entry, "minor", pointer) == node.minor;
}

Json device_entry(const DeviceNode& node) {
    // Member by member: nlohmann's initializer lists copy every value twice.
    Json entry = Json::object();
    entry["path"] = node.path;
    entry["type"] = std::string(1, node.type);
    entry["major"] = node.major;
    entry["minor"] = node.minor;
    entry["fileMode"] = node.file_mode & 0777u;
    entry["uid"] = node.uid;
    entry["gid"] = node.gid;
    return entry;
}

void add_device(Json& devices, const DeviceNode& node) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
        auto& entry = devices[i];
        Element pointer{"/linux/devices", i};
        if (!entry.is_object()) wrong_type(pointer.pointer(), "an object", entry);
        if (text_of(entry, "path") != node.path) continue;
        // An equivalent node is kept as it is: Podman's own --device entries
        // carry the file-type bits in fileMode, which runc strips.
        if (!same_node(entry, node, pointer)) entry = device_entry(node);
        return;
    }
    devices.push_back(device_entry(node));
}

/// What decides whether a cgroup device rule already grants an access, read
/// from the rule once: every allow of a patch is checked against every rule.
struct RuleFacts {
    char type;  ///< 'a', 'c', 'b', or 0 for anything else (matches nothing)
    std::int64_t major;  ///< -1: any
    std::int64_t minor;
    std::string access;
};

RuleFacts rule_facts(const Json& rule, const Element& pointer) {
    RuleFacts facts{};
    std::string_view type = rule.contains("type") ? text_of(rule, "type") : "a";
    facts.type = type.size() == 1 ? type.front() : '\0';
    facts.major = integer_at(rule, "major", pointer);
    facts.minor = integer_at(rule, "minor", pointer);
    facts.access = rule.contains("access") ? text_of(rule, "access") : "rwm";
    return facts;
}

bool covers(const RuleFacts& rule, const CgroupAllow& allow) {
    if (rule.type != 'a' && rule.type != allow.type) return false;
    if (rule.major != -1 && rule.major != allow.major) return false;
    if (rule.minor != -1 && rule.minor != allow.minor) return false;
    return std::all_of(allow.access.begin(), allow.access.end(),
                       [&](char c) { return rule.access.find(c) != std::string::npos; });
}

Json allow_rule_entry(const CgroupAllow& allow) {
    Json rule = Json::object();
    rule["allow"] = true;
    rule["type"] = std::string(1, allow.type);
    rule["major"] = allow.major;
    rule["minor"] = allow.minor;
    rule["access"] = allow.access;
    return rule;
}

void add_allow_rules(Json& rules, const std::vector<CgroupAllow>& allows) {
    // Rules apply in order and a later deny would undo an earlier allow, so
    // only an allow that comes after every deny counts as already present.
    // (The rules added here are allows: the last deny stays where it is.)
    std::size_t first_counted = 0;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (!rules[i].is_object()) wrong_type("/linux/resources/devices/" + std::to_string(i), "an object", rules[i]);
        if (!flag_of(rules[i], "allow")) first_counted = i + 1;
    }
    // Each rule after the last deny is read once, when a check first reaches
    // it, and whole: a malformed major or minor there is an error whatever
    // the rule's type (runc would refuse the config anyway).
    std::vector<std::optional<RuleFacts>> read(rules.size());
    for (const auto& allow : allows) {
        bool covered = false;
        for (std::size_t i = first_counted; i < rules.size() && !covered; ++i) {
            if (!read[i]) read[i] = rule_facts(rules[i], Element{"/linux/resources/devices", i});
            covered = covers(*read[i], allow);
        }
        if (covered) continue;
        rules.push_back(allow_rule_entry(allow));
        read.emplace_back(RuleFacts{allow.type, allow.major, allow.minor, allow.access});
    }
}

void set_env(Json& env, const std::string& name, const std::string& value) {
    std::string entry = name + "=" + value;
    std::string prefix = name + "=";
    bool placed = false;
    Json kept = Json::array();
    for (auto& item : env) {
        if (item.is_string() && text::starts_with(item.get_ref<const std::string&>(), prefix)) {
            if (!placed) kept.push_back(entry), placed = true;
            continue;  // drop duplicates so the value is unambiguous
        }
        kept.push_back(std::move(item));
    }
    if (!placed) kept.push_back(entry);
    env = std::move(kept);
}

void raise_rlimit(Json& rlimits, const Rlimit& want) {
    for (std::size_t i = 0; i < rlimits.size(); ++i) {
        auto& entry = rlimits[i];
        std::string pointer = "/process/rlimits/" + std::to_string(i);
        if (!entry.is_object()) wrong_type(pointer, "an object", entry);
        if (text_of(entry, "type") != want.type) continue;
        for (const char* key : {"soft", "hard"}) {
            auto it = entry.find(key);
            if (it != entry.end() && !it->is_number_unsigned() && !it->is_number_integer())
                wrong_type(pointer + "/" + key, "an integer", *it);
        }
        entry["soft"] = std::max<std::uint64_t>(entry.value("soft", std::uint64_t{0}), want.soft);
        entry["hard"] = std::max<std::uint64_t>(entry.value("hard", std::uint64_t{0}), want.hard);
        return;
    }
    rlimits.push_back({{"type", want.type}, {"soft", want.soft}, {"hard", want.hard}});
}

void add_hook(Json& hooks, const RuntimeHook& hook) {
    std::string pointer = "/hooks/" + hook.stage;
    Json& list = member_for_write(hooks, hook.stage.c_str(), Json::value_t::array, pointer);
    Json wanted = {{"path", hook.path}, {"args", hook.args}};
    if (hook.timeout > 0) wanted["timeout"] = hook.timeout;
    for (const auto& entry : list)
        if (entry.is_object() && text_of(entry, "path") == hook.path && entry.value("args", Json::array()) == wanted["args"])
            return;
    list.push_back(std::move(wanted));
}

}  // namespace

ContainerFacts read_facts(const Json& config) {
    if (!config.is_object()) wrong_type("/", "an object", config);
    ContainerFacts facts;
    const Json* process = member(config, "process", Json::value_t::object, "/process");
    if (!process) throw Error("no process in the runtime config", where("/process"), "only containers that run a process can host a VM");
    if (const Json* env = member(*process, "env", Json::value_t::array, "/process/env")) {
        for (std::size_t i = 0; i < env->size(); ++i) {
            const auto& item = (*env)[i];
            if (!item.is_string()) wrong_type("/process/env/" + std::to_string(i), "a string", item);
            facts.env.push_back(item.get<std::string>());
        }
    }
    if (const Json* annotations = member(config, "annotations", Json::value_t::object, "/annotations")) {
        for (const auto& [key, value] : annotations->items()) {
            if (!value.is_string()) wrong_type("/annotations/" + key, "a string", value);
            facts.annotations.emplace(key, value.get<std::string>());
        }
    }
    if (const Json* linux = member(config, "linux", Json::value_t::object, "/linux")) {
        if (const Json* path = member(*linux, "cgroupsPath", Json::value_t::string, "/linux/cgroupsPath"))
            facts.container_id = id_from_cgroups_path(path->get<std::string>());
    }
    auto run_dir = run_dir_from_mounts(config);
    if (facts.container_id.empty()) facts.container_id = run_dir.id;
    if (!run_dir.id.empty() && run_dir.id == facts.container_id) facts.container_dir = run_dir.dir;
    return facts;
}

std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view name) {
    std::optional<std::string> found;
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry[name.size()] == '=' && std::string_view(entry).substr(0, name.size()) == name)
            found = entry.substr(name.size() + 1);
    }
    return found;
}

void apply(Json& config, const Patch& patch) {
    if (!config.is_object()) wrong_type("/", "an object", config);
    if (!patch.devices.empty() || !patch.allow_rules.empty()) {
        Json& linux = member_for_write(config, "linux", Json::value_t::object, "/linux");
        Json& devices = member_for_write(linux, "devices", Json::value_t::array, "/linux/devices");
        for (const auto& node : patch.devices) add_device(devices, node);
        Json& resources = member_for_write(linux, "resources", Json::value_t::object, "/linux/resources");
        Json& rules = member_for_write(resources, "devices", Json::value_t::array, "/linux/resources/devices");
        add_allow_rules(rules, patch.allow_rules);
    }
    if (!patch.env.empty() || !patch.rlimits.empty()) {
        Json& process = member_for_write(config, "process", Json::value_t::object, "/process");
        if (!patch.env.empty()) {
            Json& env = member_for_write(process, "env", Json::value_t::array, "/process/env");
            for (const auto& [name, value] : patch.env) set_env(env, name, value);
        }
        if (!patch.rlimits.empty()) {
            Json& rlimits = member_for_write(process, "rlimits", Json::value_t::array, "/process/rlimits");
            for (const auto& limit : patch.rlimits) raise_rlimit(rlimits, limit);
        }
    }
    if (!patch.hooks.empty()) {
        Json& hooks = member_for_write(config, "hooks", Json::value_t::object, "/hooks");
        for (const auto& hook : patch.hooks) add_hook(hooks, hook);
    }
}

}  // namespace kvpod::oci
