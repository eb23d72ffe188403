// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/kubevirt/unit_files.hpp"

/// Writes and removes a VM's unit files under a host root (--host-root).
namespace kvpod::host {

struct UnitInstall {
    std::string vm;
    kubevirt::UnitFiles files;
    std::string pod_text;   ///< the Pod YAML
    std::string unit_text;  ///< the .kube or .service
    std::string boot_link;  ///< a plain unit's multi-user.target.wants link, or ""
};

/// Writes the Pod YAML, then the unit (what systemd reads, so it never sees
/// a unit without its Pod), then the boot link, each atomically (a temporary
/// file beside it, renamed). Any file of either flavor already there for the
/// VM is an Error naming it, unless `force`: then they are replaced, and the
/// other flavor's are removed. Returns the paths written.
std::vector<std::string> install_unit(const std::string& host_root, const UnitInstall& install, bool force);

/// Removes every file `install` may have written for `vm`; returns those it
/// removed. An Error when there was none.
std::vector<std::string> uninstall_unit(const std::string& host_root, const std::string& vm);

/// Every path `install` may write for `vm`, both flavors, links included.
std::vector<std::string> unit_paths(const std::string& vm);

}  // namespace kvpod::host
