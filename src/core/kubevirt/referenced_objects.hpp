// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/pod_render.hpp"

/// The Secrets and ConfigMaps a VM names, and the forms in which they reach
/// podman kube play: a ConfigMap as a document beside the Pod (kube play
/// reads it, 4.3 on), a Secret as a Podman secret holding the document a
/// Pod's `secret` volume reads, which differs by Podman version:
///
/// - before 4.5 (pkg/specgen/generate/kube/volume.go VolumeFromSecret) the
///   secret is read as {"data": {KEY: TEXT}} with each value used as it is,
///   not base64-decoded; 4.3 also dereferences the volume's `optional`
///   without a nil check (the measured panic), so the Pod always sets it;
/// - from 4.5 it is read as a Kubernetes Secret: `data` base64, `stringData`
///   as text.
///
/// Secret values go only into that document, written on stdout by
/// `kubevirt-vm-to-pod podman-secret` into `podman secret create`: never
/// into the Pod, a message or a setup line.
namespace kvpod::kubevirt {

struct ObjectReference {
    std::string kind;     ///< "Secret" or "ConfigMap"
    std::string name;
    std::string pointer;  ///< in the VMI spec: "/volumes/1/secret"
};

/// Every Secret and ConfigMap the VMI spec names, in spec order:
/// `secret`, `configMap` and `sysprep` volumes, cloud-init `secretRef` and
/// `networkDataSecretRef`, accessCredentials' secrets.
std::vector<ObjectReference> object_references(const Json& vmi_spec);

/// Sorts a Secret or ConfigMap (apiVersion v1) into `objects` after
/// checking what the Pod needs of it (a name; a Secret's `data` base64
/// text, `stringData` text; a ConfigMap's `data` text). Errors name the
/// key, never a value. Two objects of one kind and name are an Error.
void add_given_object(GivenObjects& objects, GivenObject object);

/// The document `podman secret create NAME -` stores for `secret` so that
/// the given Podman's kube play reads the same files from it that Kubernetes
/// would put in the volume. Errors name keys only.
std::string podman_secret_document(const GivenObject& secret, const PodmanVersion& podman);

/// The ConfigMap as podman kube play reads it beside the Pod: apiVersion,
/// kind, metadata.name, data, binaryData.
Json config_map_for_podman(const Json& config_map);

/// The setup line that puts the Secret into Podman (by `podman-secret`,
/// reading the user's file): an Error when it was read from stdin.
std::string podman_secret_setup(const GivenObject& secret, const PodmanVersion& podman);

}  // namespace kvpod::kubevirt
