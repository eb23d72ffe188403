// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

/// `oci-kubevirt-hook plan VMFILE`: what the hook would give a VM on this
/// host, and why, without any container.
namespace kvpod::hook {

struct PlanOptions {
    std::string host_root = "/";
    std::string config_path;
    std::string vm_file;  ///< a VirtualMachine or VirtualMachineInstance, YAML or JSON (with its instancetype and preference)
    std::string instancetype_file;  ///< the instancetype the VM names, when not in vm_file
    std::string preference_file;    ///< the preference the VM names, when not in vm_file
};

struct PlanOutcome {
    std::string table;  ///< the whole text, ending with a newline
    int status = 1;     ///< 0 when every device would be granted, else 1
};

/// Plans the VM of `options.vm_file` on the host: the VMI the converter
/// renders for it (KubeVirt's defaults, memory.maxGuest, instancetype and
/// preference applied), which is what the hook reads from STANDALONE_VMI at
/// container start, so the plan's devices and RLIMIT_MEMLOCK are the start's.
/// Throws Error when a file or the configuration cannot be read, or when the
/// converter would refuse the VM.
PlanOutcome make_plan(const PlanOptions& options);

/// make_plan, printed to stdout; returns its status.
int run_plan(const PlanOptions& options);

}  // namespace kvpod::hook
