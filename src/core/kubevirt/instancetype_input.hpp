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

/// The instancetype and preference documents the VM uses: the given ones
/// (--instancetype-file, --preference-file, or documents of the VM's file)
/// and, for a cluster instancetype or preference the user did not give,
/// the one of KubeVirt's common-instancetypes bundle that the VM names, as
/// on a cluster where KubeVirt deployed it.
struct InstancetypeDocuments {
    std::optional<Json> instancetype;
    std::optional<Json> preference;
    std::string instancetype_source;  ///< for messages: the flag, or "common-instancetypes v1.6.0 u1.medium"
    std::string preference_source;
};

/// Resolves the documents for `vm` (a normalised VM or VMI; `source` its
/// file name). A cluster instancetype or preference that is neither given
/// nor in the bundle is an Error that says how to give one. A VMI or a
/// matcher with another kind, no name or inferFromVolume gets the given
/// documents unchanged (select_instancetype then reports what is wrong).
InstancetypeDocuments resolve_instancetype_documents(const Json& vm, bool is_vm, const VmInput& input,
                                                     const std::string& source);

/// Checks that `documents` are exactly the ones `vm` (a normalised VM or
/// VMI) references, normalises them against their OpenAPI definitions and
/// returns their specs. Every mismatch is an Error saying which document or
/// flag to supply (--instancetype-file, --preference-file).
InstancetypeSelection select_instancetype(const Json& vm, bool is_vm, const InstancetypeDocuments& documents,
                                          const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
