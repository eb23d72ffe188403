// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

/// `oci-kubevirt-hook plan VMFILE`: what the hook would give a VM on this
/// host, and why, without any container.
namespace kvpod::hook {

struct PlanOptions {
    std::string host_root = "/";
    std::string config_path;
    std::string vm_file;  ///< a VirtualMachine or VirtualMachineInstance, YAML or JSON
};

struct PlanOutcome {
    std::string table;  ///< the whole text, ending with a newline
    int status = 1;     ///< 0 when every device would be granted, else 1
};

/// Plans the VM of `options.vm_file` on the host. Throws Error when the VM
/// file or the configuration cannot be read.
PlanOutcome make_plan(const PlanOptions& options);

/// make_plan, printed to stdout; returns its status.
int run_plan(const PlanOptions& options);

}  // namespace kvpod::hook
