// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// An instancetype applied to a VMI the way KubeVirt v1.8 does
/// (pkg/instancetype/apply): what it sets, the VM may not set.
namespace kvpod::kubevirt {

/// CheckSpreadCPUTopology (the VM admission webhook): with a spread
/// preference, the instancetype's vCPUs must divide by the spread. An Error
/// with KubeVirt's message otherwise.
void check_spread_topology(const Json* instancetype_spec, const Json* preference_spec, const ExpansionContext& ctx);

/// ApplyToVMI: the instancetype (node selector, scheduler, CPU, memory,
/// IO threads, launch security, GPUs, host devices, annotations), then the
/// preference. Either may be null. Fields the VM already sets are
/// conflicts, reported together as one Error:
/// "VMI conflicts with instancetype spec in fields: [spec.template.spec.domain.cpu.sockets, ...]"
/// (Kubernetes field paths of the input document); nothing is applied then.
void apply_instancetype_and_preference(const Json* instancetype_spec, const Json* preference_spec, Json& vmi_spec,
                                       Json& vmi_metadata, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
