// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/hook/allocation.hpp"

/// The allocation state directory: one record file per container (see
/// core/hook/allocation.hpp), a lock file, and a boot-id file.
///
/// Every read → plan → write sequence runs under an exclusive flock(2) on
/// `<dir>/lock`. The kernel drops the lock when its holder dies, however it
/// dies, so a killed hook never leaves the directory locked. Writers only
/// write under the lock, so a temp file seen by a lock holder belongs to a
/// writer that died; it is removed unread.
namespace kvpod::host {

class AllocationStore {
public:
    /// Opens the state directory, creating it (mode 0700) when missing.
    /// Errors, all meaning no device can be handed out exclusively: the path
    /// is not a directory, it is writable by other users (their files could
    /// free or block anyone's devices), or it is not writable.
    /// `boot_id` tells records of this boot from older ones (a state
    /// directory on a persistent disk keeps them across reboots, and pids and
    /// start times repeat from boot to boot).
    AllocationStore(std::string dir, std::string boot_id);
    ~AllocationStore();
    AllocationStore(const AllocationStore&) = delete;
    AllocationStore& operator=(const AllocationStore&) = delete;

    const std::string& dir() const { return dir_; }

    /// Takes the exclusive lock, waiting at most `wait`; an Error after that.
    void lock(std::chrono::milliseconds wait);

    /// Gives the lock back (the destructor does too).
    void unlock();

    /// Every record file. Removes leftover temp files, and all records when
    /// they were written in an earlier boot. Needs the lock.
    std::vector<hook::RecordFile> read_records();

    /// Replaces the container's record atomically: a temp file, fsync, rename.
    /// `before_rename` is a test seam: it runs once the temp file is complete.
    void write(const hook::AllocationRecord& record, const std::function<void()>& before_rename = {});

    /// Removes a record file by name; a missing one is fine.
    void remove(const std::string& name);

    /// What read_records() cleaned up, for the log.
    std::vector<std::string> take_notes();

private:
    std::string path_of(const std::string& name) const { return dir_ + "/" + name; }
    void write_file(const std::string& name, const std::string& text, const std::function<void()>& before_rename);
    void check_boot();

    std::string dir_;
    std::string boot_id_;
    int dir_fd_ = -1;
    int lock_fd_ = -1;
    bool locked_ = false;
    std::vector<std::string> notes_;
};

}  // namespace kvpod::host
