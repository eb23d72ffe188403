// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hook/device_plan.hpp"

namespace kvpod::host {

/// The host as the hook sees it: every path the hook reads is resolved
/// inside `root` (default "/"), so tests point it at a fake tree. Lookups
/// resolve symlinks as if `root` were "/" and never leave it (openat2
/// RESOLVE_IN_ROOT), reads are bounded, and a final component that must be a
/// device node is never followed.
class HostRoot {
public:
    explicit HostRoot(std::string root = "/");
    ~HostRoot();
    HostRoot(const HostRoot&) = delete;
    HostRoot& operator=(const HostRoot&) = delete;

    const std::string& root() const { return root_; }

    /// `abs` ("/sys/bus/pci") as a path on this machine, for libraries that
    /// take a path (libpci).
    std::string real_path(std::string_view abs) const;

    /// The text of a small file, at most `max_bytes`; nullopt when it does not
    /// exist. Other failures (EACCES, EIO, too large) are Errors naming the path.
    std::optional<std::string> read_text(std::string_view abs, std::size_t max_bytes = 64 * 1024) const;

    /// The device node at `abs` (not followed if it is a symlink). nullopt when
    /// nothing is there; an Error when something else is there.
    std::optional<hook::HostNode> device_node(std::string_view abs) const;

    /// Names in a directory, sorted; empty when it does not exist.
    std::vector<std::string> list_dir(std::string_view abs) const;

    /// The target of a symlink; nullopt when `abs` is not a symlink.
    std::optional<std::string> read_link(std::string_view abs) const;

    bool exists(std::string_view abs) const;

    /// Looks up each of `paths` as a device node.
    hook::HostNodes device_nodes(const std::vector<std::string>& paths) const;

private:
    int open_in_root(std::string_view abs, int flags) const;
    /// The directory `abs` opened O_PATH and kept (the last 16 asked for):
    /// a start looks up a dozen nodes in /dev and /dev/vfio and two links in
    /// each PCI function's directory. Valid until the next call; -1 with
    /// errno when it cannot be opened.
    int parent_dir(const std::string& abs) const;

    std::string root_;
    int root_fd_ = -1;
    mutable std::vector<std::pair<std::string, int>> parent_fds_;
};

}  // namespace kvpod::host
