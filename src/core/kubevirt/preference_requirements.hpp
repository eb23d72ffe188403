// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

namespace kvpod::kubevirt {

/// The preference's requirements (pkg/instancetype/preference/requirements),
/// checked as the VM admission webhook does: on the VMI spec after the
/// instancetype and the spec defaults. `instancetype_spec` may be null.
/// A failure is an Error "failure checking preference requirements: <KubeVirt's
/// message> (<field paths>)", e.g. "insufficient CPU resources of 1 vCPU
/// provided by instance type, preference requires 2 vCPU (spec.instancetype)".
void check_preference_requirements(const Json* instancetype_spec, const Json& preference_spec, const Json& vmi_spec,
                                   const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
