// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"

/// Networking for standalone virt-launcher. Without virt-handler nobody
/// builds the tap devices that the bridge and masquerade bindings need; the
/// core passtBinding (KubeVirt v1.8) needs nothing from virt-handler.
namespace kvpod::kubevirt {

/// options.passt (the default): every interface on the pod network gets
/// passtBinding: {}, with its bridge, masquerade, slirp and deprecated passt
/// bindings removed; the v1.3-1.7 binding plugin {name: passt} is replaced
/// the same way, with a Diagnostic. Interfaces on other networks are left as
/// they are (standalone_checks rejects Multus networks in this mode). The pod
/// network itself comes from the default network interface, which KubeVirt
/// adds to a VM without interfaces and networks unless autoattachPodInterface
/// is false; no interface is ever renamed.
///
/// Without options.passt (--no-passt), bindings are kept and each bridge or
/// masquerade interface on the pod network gets a Diagnostic: that binding
/// needs virt-handler, which does not exist standalone.
void apply_passt(Json& vmi_spec, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
