// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/oci_config.hpp"

/// What the hook gives a VM's compute container, decided from the VM spec
/// and facts discovered on the host. Pure: the host seam fills the facts.
namespace kvpod::hook {

/// A device node found on the host.
struct HostNode {
    std::string path;
    char type = 'c';
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::uint32_t mode = 0;  ///< permission bits
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
};

/// Host nodes by path; a path mapped to nullopt was looked up and is absent.
using HostNodes = std::map<std::string, std::optional<HostNode>>;

enum class RowStatus { Granted, Skipped, Refused };

/// One line of the plan: a thing the VM asked for and what it gets.
struct PlanRow {
    std::string request;  ///< "kvm", "gpus[0] gpu1 nvidia.com/TU104GL_Tesla_T4"
    std::string grant;    ///< "/dev/kvm (c 10:232)"; empty when nothing is granted
    RowStatus status = RowStatus::Granted;
    std::string why;
    std::string fix;  ///< for a refused or skipped row: what would make it granted
};

struct DevicePlan {
    oci::Patch patch;
    std::vector<PlanRow> rows;
    std::vector<Error> refusals;  ///< any refusal stops the container
    /// Allocation units the plan hands out ("pci:<bdf>", "mdev:<uuid>",
    /// "gpu:<bdf>", "gpu:<bdf>/gi<N>"), in the order of the VM's entries;
    /// exclusive allocation records these.
    std::vector<std::string> claimed_units;
    /// Why the planner chose what it chose among several (topology).
    std::vector<std::string> notes;
    /// What virt-launcher makes of each gpus[] and hostDevices[] entry: the
    /// <hostdev> it builds from the env, or why it would have none.
    std::vector<std::string> launcher;
    /// Devices given that virt-launcher will not attach (a GPU on its host
    /// driver, --mount-devices only): one sentence each, for stderr.
    std::vector<std::string> warnings;

    bool ok() const { return refusals.empty(); }

    /// Adds `node` as a linux.devices entry owned by `owner` inside the
    /// container, plus its cgroup allow rule; a node already planned is not
    /// added twice.
    void grant_node(const HostNode& node, std::uint32_t owner);
};

/// "c 10:232" for messages and the plan table.
std::string describe(const HostNode& node);

}  // namespace kvpod::hook
