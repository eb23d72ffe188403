// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/kubevirt/unit_files.hpp"
#include "host/host_root.hpp"

namespace kvpod::host {

/// The unit `install` left for `vm` under `root`: its Quadlet `.kube` file
/// if that is there, else its plain `.service`; nullopt when neither is.
/// Either way systemd knows the service as kubevirt::unit_name(vm). Throws
/// Error when `vm` cannot name a unit.
std::optional<kubevirt::UnitFiles> installed_unit(const HostRoot& root, std::string_view vm);

/// The same, for a --host-root given as a path.
std::optional<kubevirt::UnitFiles> installed_unit(const std::string& host_root, std::string_view vm);

/// The VMs with a unit under `root` (either flavor), sorted, each once: a
/// unit's stop removes the Pod (kube down), so Podman alone cannot list a
/// stopped VM. Files whose name holds no valid VM name are not VMs.
std::vector<std::string> installed_unit_vms(const HostRoot& root);

}  // namespace kvpod::host
