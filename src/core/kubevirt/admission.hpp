// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/expansion.hpp"
#include "core/kubevirt/vm_document.hpp"

/// What Kubernetes' API server and KubeVirt's admission webhooks refuse
/// before a VM is ever stored, for the values the converter copies into the
/// Pod and its setup commands. Without a cluster in front of it the converter
/// is the only gate: a name with '/', a negative memory request, an image
/// reference with a newline or a device resource like "../../dev/sda" would
/// otherwise reach a Pod that podman kube play refuses or misreads.
namespace kvpod::kubevirt {

/// Checks the VM or VMI `doc` (normalised; `head` read from it), in the
/// order a reader fixes them: apiVersion, names, resources, images, device
/// resource names. The first problem is an Error pointing into the input.
void check_admission(const Json& doc, const VmDocument& head, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
