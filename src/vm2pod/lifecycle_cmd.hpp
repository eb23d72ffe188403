// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

/// `kubevirt-vm-to-pod list`, `status VM`, `start|stop|restart VM`: the VMs
/// on this host, found with Podman (one `podman ps`, one `podman container
/// inspect` of all compute and infra containers, one `virsh domstate` per
/// running VM), and their lifecycle through the VM's systemd unit when
/// install put one under --host-root, else through Podman.
namespace kvpod::vm2pod {

enum class LifecycleVerb { List, Status, Start, Stop, Restart };

struct LifecycleOptions {
    LifecycleVerb verb = LifecycleVerb::List;
    std::string vm;
    std::string output = "table";
    std::string podman = "podman";
    std::string systemctl = "systemctl";
    std::string host_root = "/";
};

/// Runs the command; returns its exit status (0). An Error, before anything
/// reached stdout, when it cannot.
int run_lifecycle(const LifecycleOptions& options);

}  // namespace kvpod::vm2pod
