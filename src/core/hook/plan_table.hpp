// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/hook/hook_config.hpp"

/// The plan as a table for people (`oci-kubevirt-hook plan`): what the hook
/// would give a VM on this host, why, and for what it would not, the fix.
namespace kvpod::hook {

struct PlanHeader {
    std::string vm;         ///< "VirtualMachine gpu-vm (vm.yaml)"
    std::string host_root;  ///< "/"
    std::string config;     ///< "/etc/kubevirt-vm-to-pod/hook.yaml" or "none (defaults)"
};

/// How the hook resolves resource names under `config`, one line.
std::string describe_resolution(const HookConfig& config);

/// True when every row is granted: the plan mode's exit status 0.
bool fully_granted(const DevicePlan& plan);

/// The header, the STATUS/REQUEST/GRANT/WHY table, what virt-launcher would
/// attach for each GPU and host device, env, rlimits, claimed units,
/// topology notes, fixes and the verdict, ending with a newline.
std::string render_plan(const PlanHeader& header, const HookConfig& config, const DevicePlan& plan);

}  // namespace kvpod::hook
