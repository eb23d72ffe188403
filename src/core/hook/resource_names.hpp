// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Resource names as KubeVirt and the device plugins spell them: what a VM's
/// deviceName may be, the env variables virt-launcher reads, NVIDIA's names.
namespace kvpod::hook {

inline constexpr std::string_view kPciResourcePrefix = "PCI_RESOURCE";
inline constexpr std::string_view kMdevResourcePrefix = "MDEV_PCI_RESOURCE";

/// Why `name` is not an extended resource name (`<domain>/<name>`: a DNS
/// subdomain, then 1-63 letters, digits, '-', '_' or '.' starting and ending
/// alphanumeric, as Kubernetes requires); nullopt when it is one. Anything
/// path-like fails here, so a deviceName never reaches the host as a path.
std::optional<std::string> resource_name_problem(std::string_view name);

/// KubeVirt's ResourceNameToEnvVar: `<prefix>_` + the name upper-cased with
/// every '/' and '.' turned into '_' ("nvidia.com/TU104GL_Tesla_T4" →
/// "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4").
std::string resource_env_name(std::string_view prefix, std::string_view resource);

/// The device part of NVIDIA's kubevirt-gpu-device-plugin resource name from
/// a pci.ids device name: upper-cased, '/' '.' and whitespace runs → '_',
/// other characters dropped ("TU104GL [Tesla T4]" → "TU104GL_TESLA_T4").
std::string nvidia_model_name(std::string_view pci_ids_name);

/// An mdev type name as KubeVirt compares it: spaces → '_', trimmed
/// ("GRID T4-1Q" → "GRID_T4-1Q").
std::string mdev_type_key(std::string_view type_name);

/// The GPU vendor a resource name designates (GPU-SUPPORT.md's table): the
/// name contains "nvidia"; "amd" or "radeon"; "intel"; else Other.
enum class GpuVendor { Nvidia, Amd, Intel, Other };
GpuVendor gpu_vendor_of(std::string_view resource);
std::string_view vendor_label(GpuVendor vendor);
/// The PCI vendor ID of `vendor`; 0 for Other.
std::uint16_t vendor_pci_id(GpuVendor vendor);

}  // namespace kvpod::hook
