// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/hook/device_plan.hpp"

/// Exclusive allocation of passthrough units (a GPU, a PCI function, a
/// mediated device) between containers. Pure: records arrive as text, the
/// host's processes are asked through an injected `Liveness`, and the host
/// seam (src/host/allocation_store.hpp) does the locking and the files.
///
/// Records: one file per container, `<container-id>.json`. A container's
/// units are claimed, rebound and released together, so one file per
/// container makes each step a single atomic rename: no reader can ever see
/// half of a container's claim, and a crash between two per-unit files
/// cannot leave a container holding part of what it asked for. Finding
/// which units are taken means reading every record, which is a few
/// small files on a tmpfs (one per VM container on the host).
///
/// A claim's life: precreate writes it `pending`, bound to the Podman process
/// that ran the hook; the createRuntime runtime hook rebinds it `running` to
/// the container's init process; the poststop runtime hook marks it
/// `stopped`, keeping the units as the container's previous ones so that a
/// restart gets the same devices back when they are free.
namespace kvpod::hook {

/// A process identity that survives pid reuse: the pid plus its start time
/// (clock ticks after boot, /proc/<pid>/stat field 22). Unique within a boot;
/// the host store discards records of earlier boots.
struct ProcessRef {
    std::int64_t pid = 0;
    std::uint64_t start_time = 0;

    bool operator==(const ProcessRef&) const = default;
};

enum class ClaimState {
    Pending,  ///< written at precreate, bound to the Podman process
    Running,  ///< rebound at createRuntime to the container's init process
    Stopped,  ///< released at poststop; units remembered, none held
};

struct AllocationRecord {
    std::string container_id;         ///< 64 hex digits; also the file name
    ClaimState state = ClaimState::Pending;
    std::vector<std::string> units;   ///< sorted, unique: "gpu:0000:01:00.0", "pci:...", "mdev:<uuid>"
    std::optional<ProcessRef> owner;  ///< set unless Stopped
    std::string container_dir;        ///< a directory that exists exactly as long as the container; may be empty
    std::string vm;                   ///< the VM's name, for people reading the file

    bool operator==(const AllocationRecord&) const = default;
};

/// A record file as the store found it.
struct RecordFile {
    std::string name;  ///< "<container-id>.json"
    std::string path;  ///< for messages
    std::string text;
};

/// What the allocation asks of the host; tests give a fake.
class Liveness {
public:
    virtual ~Liveness() = default;
    /// True while the process `ref` runs: the same pid with the same start time, not a zombie.
    virtual bool running(const ProcessRef& ref) const = 0;
    /// False only when `dir` is known to be gone (Podman removed the container).
    virtual bool container_exists(const std::string& dir) const = 0;
};

inline constexpr int kRecordVersion = 1;
inline constexpr std::string_view kRecordSuffix = ".json";

/// True for "gpu:<pci address>", "gpu:<pci address>/gi<N>" (a MIG GPU
/// instance), "pci:<pci address>", "mdev:<uuid>".
bool valid_unit_key(std::string_view key);

/// True when two units cannot be held by two containers at once: the same
/// key, or a whole GPU and one of its MIG instances.
bool units_overlap(std::string_view a, std::string_view b);

/// True for Podman's 64 hex digit container ids.
bool valid_container_id(std::string_view id);

/// "<id>.json"
std::string record_file_name(const std::string& container_id);

/// The record as its file holds it (pretty JSON, one key a line, fixed order).
std::string render_record(const AllocationRecord& record);

/// Parses a record file. Anything unexpected is an Error naming the file.
AllocationRecord parse_record(const RecordFile& file);

/// The allocation as seen by one container (the claimant) under the lock.
struct Survey {
    std::set<std::string> unavailable;           ///< units held by other containers' live claims
    std::set<std::string> preferred;             ///< units the claimant held before
    std::map<std::string, std::string> holders;  ///< unit -> container id, for unavailable units
    std::optional<AllocationRecord> own;         ///< the claimant's record, if any
    std::map<std::string, AllocationRecord> others;  ///< live claims of other containers, by id
    std::vector<std::string> obsolete;           ///< record files to delete: nothing live, container gone
    std::vector<std::string> notes;              ///< things worth a log line (stale or odd records)
};

/// A claim is live while its state is pending or running, its bound process
/// runs, and its container still exists.
bool is_live(const AllocationRecord& record, const Liveness& liveness);

/// Reads every record and sorts them out for `claimant` (a container id).
/// A record that does not parse is treated as free only when provably stale
/// (it says it is stopped, or the process it is bound to is gone); any other
/// corrupt record stops the allocation with an Error naming the file and the fix.
Survey survey(const std::vector<RecordFile>& files, const std::string& claimant, const Liveness& liveness);

/// The pending claim of `units` for the claimant: sorted, checked for format
/// and against `survey.unavailable`. An Error when a unit is malformed or
/// held by another container (the planner must never hand out such a unit;
/// this check keeps exclusivity independent of the planner).
AllocationRecord pending_claim(const Survey& survey, const std::string& container_id, std::vector<std::string> units,
                               const ProcessRef& podman, const std::string& container_dir, const std::string& vm);

/// createRuntime: binds the claimant's record to the container's init process.
/// nullopt when the container has no record (nothing to bind). An Error when
/// another live claim holds one of its units (its pending claim outlived the
/// Podman process that made it and the units went elsewhere).
std::optional<AllocationRecord> bind_to_container(const Survey& survey, const ProcessRef& init,
                                                  const std::string& bundle);

/// poststop: the claimant's record, stopped, when its claim is no longer live
/// for this container's run; nullopt when there is nothing to release (no
/// record, already stopped, or a new start of the same container is under way).
std::optional<AllocationRecord> release(const Survey& survey, const Liveness& liveness);

/// "gpu:0000:01:00.0 (container 0123456789ab, VM vm1)" lines for a refusal's log.
std::vector<std::string> describe_holders(const Survey& survey);

std::string_view state_name(ClaimState state);

}  // namespace kvpod::hook
