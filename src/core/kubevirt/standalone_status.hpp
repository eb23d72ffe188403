// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "core/kubevirt/convert.hpp"

/// The VMI status fields that a standalone virt-launcher reads and that, on a
/// cluster, the VMI webhook, virt-controller and virt-handler would have set.
namespace kvpod::kubevirt {

/// The pod interface a network is plugged into (pkg/network/namescheme, the
/// hashed scheme v1.8 uses by default): "eth0" for the pod network and a
/// Multus default network, "pod" + the first 11 hex digits of SHA-256(network
/// name) for a secondary Multus network.
std::string pod_interface_name(const Json& network);

/// status.runtimeUser 107 (non-root, the Root feature gate being off),
/// status.guestOSInfo {} (a struct value KubeVirt always prints) and
/// status.interfaces [{name, podInterfaceName}] for each interface with a
/// network. No phase: the launcher does not read it.
void set_standalone_status(Json& vmi);

}  // namespace kvpod::kubevirt
