// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/convert.hpp"

/// The device and feature parts of a preference
/// (pkg/instancetype/preference/apply device.go, disk.go, interface.go,
/// features.go).
namespace kvpod::kubevirt {

/// Device preferences: virtio transitional, multiqueue, disableHotplug
/// (always), sound model, RNG, TPM, autoattach, disks, interfaces, inputs,
/// panic devices.
void apply_device_preferences(const Json& preference_spec, Json& vmi_spec);

/// Feature preferences: preferredAcpi (always), APIC, Hyper-V, KVM,
/// pvspinlock and SMM when unset.
void apply_feature_preferences(const Json& preference_spec, Json& vmi_spec);

}  // namespace kvpod::kubevirt
