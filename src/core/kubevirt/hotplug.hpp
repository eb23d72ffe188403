// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/quantity.hpp"

/// CPU and memory hotplug limits (pkg/defaults setupHotplug and
/// pkg/liveupdate/memory), with the default cluster configuration: rollout
/// strategy LiveUpdate, maxHotplugRatio 4, no maxCpuSockets or maxGuest.
namespace kvpod::kubevirt {

/// ValidateLiveUpdateMemory: why memory hotplug cannot be enabled with
/// `max_guest`, or nullopt when it can. KubeVirt's messages ("Memory hotplug
/// is only available for VMs with at least 1Gi of guest memory", ...).
std::optional<std::string> live_update_memory_problem(const Json& vmi_spec, const std::optional<Quantity>& max_guest);

/// setupHotplug, for every architecture but arm64: maxSockets = sockets × 4
/// when unset, cut so that maxSockets × cores × threads stays within 512
/// vCPUs (but not below sockets); memory.maxGuest = guest × 4 (BinarySI) when
/// unset and live_update_memory_problem() finds nothing.
void setup_hotplug(Json& vmi_spec);

}  // namespace kvpod::kubevirt
