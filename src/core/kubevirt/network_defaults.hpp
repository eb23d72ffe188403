// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// The VMI's default network and KubeVirt's network admission rules
/// (pkg/network/vmispec/defaults.go, pkg/network/admitter).
namespace kvpod::kubevirt {

/// SetDefaultNetworkInterface with the default cluster configuration: when
/// the VM has no interfaces and no networks and autoattachPodInterface is not
/// false, interface {name: default, bridge: {}} on network {name: default,
/// pod: {}}.
void set_default_network_interface(Json& vmi_spec);

/// The network rules KubeVirt enforces when it creates the VMI: unique
/// network and interface names, each interface on a network and each network
/// used, one network source each, at most one pod network (so one interface on
/// it), at most one Multus default network and not with a pod network,
/// passtBinding and masquerade only on the pod network, and no discontinued
/// binding (slirp, passt, macvtap). All violations are one Error:
/// "<source>: invalid network configuration: <pointer>: <problem> | ...".
void validate_networks(const Json& vmi_spec, const ExpansionContext& ctx);

/// The network named `name`, or nullptr.
const Json* find_network(const Json& vmi_spec, const std::string& name);

}  // namespace kvpod::kubevirt
