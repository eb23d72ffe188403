// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/kubevirt/quantity.hpp"

/// Facts KubeVirt derives from a VMI spec, read the same way by the Pod
/// renderer and the memory overhead calculation.
namespace kvpod::kubevirt {

/// hardware.GetNumberOfVCPUs: cores × sockets × threads, zeros skipped.
std::int64_t vcpus_of(const nlohmann::json& cpu);

/// spec.domain.cpu.dedicatedCpuPlacement.
bool is_cpu_dedicated(const nlohmann::json& spec);

/// A spec.domain.resources.<kind>.<name> quantity; zero when absent.
Quantity resource_of(const nlohmann::json& spec, std::string_view kind, std::string_view name);

/// VirtualMachineInstance.WantsToHaveQOSGuaranteed.
bool wants_guaranteed_qos(const nlohmann::json& spec);

}  // namespace kvpod::kubevirt
