// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "core/kubevirt/pod_render.hpp"

/// --mount-devices: the device nodes this host has for a VM, found by the
/// hook's planner (the same rules the hook applies at container start).
namespace kvpod::vm2pod {

struct MountDevicesOptions {
    std::string host_root = "/";
    /// The hook's configuration file (permittedHostDevices, passthrough
    /// policy); "" or a missing file means the hook's defaults, unless
    /// `hook_config_given` (the user named it: it must exist).
    std::string hook_config;
    bool hook_config_given = false;
};

/// The nodes and env to write into the Pod for `vmi` (an expanded VMI):
/// /dev/kvm, tun and vhost-net, and for gpus[] and hostDevices[] the VFIO or
/// mediated-device nodes and PCI_RESOURCE_* variables the hook would give.
/// Unlike the hook, a GPU on its host driver gets its driver's nodes
/// (GPU-SUPPORT.md's vendor table), with a warning that virt-launcher will
/// not attach it. What the VM would want but the host lacks is a warning
/// and stays out of the Pod, since kube play refuses a hostPath CharDevice
/// that does not exist; so is the memlock limit VFIO needs.
kubevirt::HostDeviceMounts discover_device_mounts(const kubevirt::Json& vmi, const MountDevicesOptions& options,
                                                  kubevirt::Diagnostics& diagnostics);

}  // namespace kvpod::vm2pod
