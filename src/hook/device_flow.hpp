// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string>

#include "core/hook/device_plan.hpp"
#include "core/hook/hook_config.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "host/host_root.hpp"

/// Discover → plan for one VM against one host: the part precreate and the
/// plan mode share, so the plan mode shows exactly what the hook would do.
namespace kvpod::hook {

struct DeviceFlow {
    const kubevirt::VmDocument& vm;
    std::string spec_source;  ///< "env STANDALONE_VMI", "vm.yaml": where the VM's text came from
    const HookConfig& config;
    const host::HostRoot& root;
    /// Unit keys held by other live containers, and by this container
    /// before (exclusive allocation fills these; empty sets plan alone).
    const std::set<std::string>& unavailable;
    const std::set<std::string>& preferred;
    bool names = false;  ///< look up pci.ids names for display (the plan mode)
};

/// The plan for `flow.vm`: /dev/kvm, tun, vhost-net, then its gpus[] and
/// hostDevices[]. PCI discovery runs only when the VM has such entries, on
/// the candidates first; when an entry is refused it runs again over every
/// function so that the refusal can say what the host has.
DevicePlan plan_devices(const DeviceFlow& flow);

}  // namespace kvpod::hook
