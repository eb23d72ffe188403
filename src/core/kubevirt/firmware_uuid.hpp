// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace kvpod::kubevirt {

/// KubeVirt's stable firmware UUID for a VM without one
/// (pkg/virt-controller/watch/vm/firmware.go CalculateLegacyUUID): the
/// UUIDv5 (SHA-1) of the VMI name in namespace
/// 6a1a24a1-4061-4607-8bf4-a3963d0c5895, lower-case 8-4-4-4-12 text.
std::string legacy_firmware_uuid(std::string_view vmi_name);

}  // namespace kvpod::kubevirt
