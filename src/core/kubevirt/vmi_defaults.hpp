// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// pkg/defaults SetDefaultVirtualMachineInstance with KubeVirt v1.8's default
/// cluster configuration, in its order. Split in two so that the preference
/// requirements can be checked where KubeVirt checks them: after the spec
/// defaults.
namespace kvpod::kubevirt {

/// SetDefaultVirtualMachineInstanceSpec: architecture (options.host_architecture
/// when unset), machine type, CPU request from the limit, guest memory from
/// requests/limits/hugepages, CPU topology from the CPU limit/request,
/// containerDisk imagePullPolicy, evictionStrategy None, the default network
/// interface and volume disks.
void set_default_vmi_spec(Json& vmi_spec, const ExpansionContext& ctx);

/// The rest: s390x ACPI off, the API defaults, Hyper-V dependencies, the
/// architecture's disk bus / watchdog / CPU model / bootloader, CPU model
/// host-model, status.memory and status.currentCPUTopology, and hotplug
/// limits (not on arm64).
void finish_vmi_defaults(Json& vmi, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
