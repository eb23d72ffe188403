// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "core/kubevirt/expansion.hpp"

/// A VirtualMachinePreference applied to a VMI the way KubeVirt v1.8 does
/// (pkg/instancetype/preference/apply): preferences only fill what the VM
/// leaves unset, except preferredDisableHotplug and preferredAcpi, which
/// always win (KubeVirt cannot tell an unset bool or struct from a zero one).
namespace kvpod::kubevirt {

/// The preferred CPU topology ("sockets" when the preference sets none).
std::string preferred_cpu_topology(const Json* preference_spec);

struct SpreadOptions {
    std::uint32_t ratio = 2;
    std::string across = "SocketsCores";
};
/// spreadOptions, else preferSpreadSocketToCoreRatio, else ratio 2 across
/// SocketsCores.
SpreadOptions spread_options(const Json& preference_spec);

/// The preference admission checks KubeVirt makes when a preference is
/// created: a known preferredCPUTopology and a spread ratio above 0.
void validate_preference(const Json& preference_spec, const ExpansionContext& ctx);

/// ApplyAutoAttachPreferences: preferredAutoattach* into unset autoattach*.
void apply_auto_attach_preferences(const Json& preference_spec, Json& vmi_spec);

/// The whole preference, in KubeVirt's order: CPU features, devices,
/// features, firmware, machine, clock, subdomain, termination grace period,
/// architecture, then annotations the VMI lacks.
void apply_preference(const Json& preference_spec, Json& vmi_spec, Json& vmi_metadata);

}  // namespace kvpod::kubevirt
