// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/hook/allocation.hpp"
#include "host/host_root.hpp"

/// Processes and containers of the machine the hook runs on, as allocation
/// liveness needs them. Paths resolve under a HostRoot that is "/" in the
/// hook (the live Podman's processes, not a --host-root device tree) and a
/// fake tree in tests.
namespace kvpod::host {

/// What allocation needs from /proc/<pid>/stat.
struct ProcStat {
    char state = '?';             ///< field 3: R, S, D, Z (zombie), X (dead), ...
    std::int64_t ppid = 0;        ///< field 4
    std::uint64_t start_time = 0; ///< field 22, clock ticks after boot
};

/// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its last ')'.
/// nullopt when the text is not such a line.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

class ProcessTable : public hook::Liveness {
public:
    explicit ProcessTable(const HostRoot& root) : root_(root) {}

    /// The identity of a running process; nullopt when it is gone or a zombie.
    std::optional<hook::ProcessRef> find(std::int64_t pid) const;

    /// Running with the same start time. A /proc entry that cannot be read
    /// for another reason than absence counts as running: liveness must
    /// never free a claim it cannot prove dead.
    bool running(const hook::ProcessRef& ref) const override;

    /// False only when `dir` does not exist (ENOENT, ENOTDIR).
    bool container_exists(const std::string& dir) const override;

    /// /proc/sys/kernel/random/boot_id; process identities are unique within it.
    std::string boot_id() const;

private:
    const HostRoot& root_;
};

/// The process that ran this one (Podman, for a precreate hook), as a ProcessRef.
/// An Error when it has already gone away.
hook::ProcessRef parent_process(const ProcessTable& table);

/// This program's absolute path (/proc/self/exe), for the runtime hooks it adds.
std::string self_executable();

}  // namespace kvpod::host
