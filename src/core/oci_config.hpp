// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

/// The OCI runtime config (config.json) as the hook sees it: the facts it
/// decides on, and an idempotent patch that adds what it decided. Fields the
/// hook does not know are kept untouched.
namespace kvpod::oci {

using Json = nlohmann::json;

/// A `linux.devices` entry.
struct DeviceNode {
    std::string path;      ///< same path in the container as on the host
    char type = 'c';       ///< 'c' or 'b'
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::uint32_t file_mode = 0666;  ///< permission bits only
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;

    bool operator==(const DeviceNode&) const = default;
};

/// A `linux.resources.devices` allow rule for exactly one node.
struct CgroupAllow {
    char type = 'c';
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::string access = "rwm";

    bool operator==(const CgroupAllow&) const = default;
};

/// A `process.rlimits` entry.
struct Rlimit {
    std::string type;  ///< "RLIMIT_MEMLOCK"
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

/// A runtime hook entry (`hooks.<stage>[]`).
struct RuntimeHook {
    std::string stage;  ///< "createRuntime", "poststop"
    std::string path;
    std::vector<std::string> args;
    int timeout = 0;  ///< seconds; 0 leaves it unset
};

/// What the hook adds to a container. Applying it twice equals applying it once.
struct Patch {
    std::vector<DeviceNode> devices;
    std::vector<CgroupAllow> allow_rules;
    std::vector<std::pair<std::string, std::string>> env;  ///< set or replace
    std::vector<Rlimit> rlimits;                            ///< raise to at least this
    std::vector<RuntimeHook> hooks;

    bool empty() const {
        return devices.empty() && allow_rules.empty() && env.empty() && rlimits.empty() && hooks.empty();
    }
};

/// What the hook needs to know about the proposed container.
struct ContainerFacts {
    std::map<std::string, std::string> annotations;
    std::vector<std::string> env;  ///< "NAME=value" as in process.env
    std::string container_id;      ///< from cgroupsPath or Podman's bind mounts; may be empty
    /// Podman's per-container run directory (".../<driver>-containers/<id>/userdata"),
    /// the source of the /run/.containerenv bind mount; it exists exactly as
    /// long as the container does. Empty when the config does not show it.
    std::string container_dir;
};

/// Reads annotations, env and the container id. Structural problems (no
/// `process`, `annotations` not an object of strings, ...) are errors that
/// name the JSON path.
ContainerFacts read_facts(const Json& config);

/// The value of `name` in a process.env list; the last entry wins, as in execve.
std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view name);

/// Applies `patch` to `config` in place. Existing equivalent entries are kept
/// (Podman writes fileMode with the file-type bits; that is accepted).
void apply(Json& config, const Patch& patch);

}  // namespace kvpod::oci
