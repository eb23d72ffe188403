// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "core/kubevirt/expansion.hpp"

/// Matching the VM's spec.instancetype / spec.preference with the documents
/// the user gave (pkg/instancetype/find: the matcher's kind picks a
/// namespaced or a cluster object; an empty kind means the cluster one).
namespace kvpod::kubevirt {

struct InstancetypeSelection {
    std::optional<Json> instancetype;  ///< the instancetype's normalised spec
    std::optional<Json> preference;    ///< the preference's normalised spec
    /// The VMI annotations KubeVirt sets for them ("kubevirt.io/instancetype-name"
    /// or "kubevirt.io/cluster-instancetype-name", and the preference ones).
    Json annotations = Json::object();
};

/// Checks that the documents in `input` are exactly the ones `vm` (a
/// normalised VM or VMI) references, normalises them against their OpenAPI
/// definitions and returns their specs. Every mismatch is an Error saying
/// which document or flag to supply (--instancetype-file, --preference-file).
InstancetypeSelection select_instancetype(const Json& vm, bool is_vm, const VmInput& input,
                                          const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
