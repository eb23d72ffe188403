// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// KubeVirt's generated API defaults and Hyper-V dependencies
/// (staging/src/kubevirt.io/api/core/v1 defaults.go and
/// zz_generated.defaults.go; pkg/defaults/hyperv.go).
namespace kvpod::kubevirt {

/// SetObjectDefaults_VirtualMachineInstance: firmware and features exist;
/// features.acpi, and APIC, Hyper-V features, SMM, pvspinlock, clock timers,
/// blockSize.matchVolume and vGPU ramFB when present, are enabled unless they
/// say otherwise; Hyper-V spinlocks retry 4096 times; a disk without a
/// target is a disk; a cdrom is read-only with a closed tray; inputs are USB
/// tablets; probes get Kubernetes' timing defaults. KubeVirt's random
/// firmware UUID is replaced by legacy_firmware_uuid(name): standalone output
/// must be deterministic.
void apply_api_defaults(Json& vmi);

/// SetHypervFeatureDependencies: evmcs needs vapic, ipi and tlbflush need
/// vpindex, synictimer needs synic, synic needs vpindex; an unset requirement
/// is enabled, and an enabled evmcs requires the CPU feature vmx. A requirement
/// the VM disables is an Error (KubeVirt's VMI admission rejects it):
/// "'spec.template.spec.domain.features.hyperv.evmcs' requires
/// 'spec.template.spec.domain.features.hyperv.vapic', which was disabled."
void set_hyperv_dependencies(Json& vmi_spec, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
