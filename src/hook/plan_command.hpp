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

/// Prints the plan table to stdout. Returns 0 when every device would be
/// granted, 1 otherwise. Throws Error when the VM file or the configuration
/// cannot be read.
int run_plan(const PlanOptions& options);

}  // namespace kvpod::hook
