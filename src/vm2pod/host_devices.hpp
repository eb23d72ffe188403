// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "core/kubevirt/pod_render.hpp"

/// --mount-devices: the device nodes this host has for a VM, found by the
/// hook's planner (the same rules the hook applies at container start).
namespace kvpod::vm2pod {

/// The nodes and env to write into the Pod for `vmi` (an expanded VMI),
/// looking under `host_root`. What the VM would want but the host lacks is a
/// warning and stays out of the Pod, since kube play refuses a hostPath
/// CharDevice that does not exist.
kubevirt::HostDeviceMounts discover_device_mounts(const kubevirt::Json& vmi, const std::string& host_root,
                                                  kubevirt::Diagnostics& diagnostics);

}  // namespace kvpod::vm2pod
