// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

/// downwardAPI volumes under podman kube play, which has none (Podman 4.3 to
/// 5.x, pkg/specgen/generate/kube/volume.go). KubeVirt v1.8 hands the
/// volume's fields to the launcher Pod as a Kubernetes downwardAPI volume
/// (rendervolumes.go addDownwardAPIVolume), mounted read-only at
/// /var/run/kubevirt-private/downwardapi/VOLUME when a disk uses it, and
/// virt-launcher makes an ISO of the files there (config.CreateDownwardAPIDisks,
/// labelled volumeLabel). Here the converter writes the files the kubelet
/// would, from the Pod it renders, into a ConfigMap kube play reads beside the
/// Pod, and the Pod mounts that ConfigMap where KubeVirt mounts the volume.
namespace kvpod::kubevirt {

using Json = nlohmann::json;

/// Go's strconv.Quote (fmt's %q), as Kubernetes' fieldpath.FormatMap quotes
/// each value: printable characters kept, the rest escaped. Unassigned code
/// points, which Go escapes, are kept (the converter has no Unicode tables).
std::string go_quote(std::string_view text);

/// fieldpath.FormatMap: `key="value"` lines sorted by key, no final newline:
/// the file of metadata.labels or metadata.annotations.
std::string format_map(const Json& map);

/// The value a downwardAPI volume's fieldPath has for the Pod with
/// `pod_metadata` in `namespace_name`; nullopt when kube play cannot give it
/// (metadata.uid, spec.*, status.*: standalone_checks refuses those first).
std::optional<std::string> downward_api_field(const std::string& field_path, const Json& pod_metadata,
                                              const std::string& namespace_name);

/// Whether a standalone Pod can give `field_path` (fieldpath's volume paths
/// but metadata.uid, which the API server assigns).
bool downward_api_field_supported(const std::string& field_path);

/// The ConfigMap that stands for the downwardAPI volume `volume` of the Pod
/// `pod_name` (also the Podman volume kube play writes its files into).
std::string downward_api_config_map_name(const std::string& pod_name, const std::string& volume);

/// One ConfigMap per downwardAPI volume of `vmi_spec`, in volume order: the
/// files (fields' paths) with the values the kubelet would write for the Pod.
std::vector<Json> downward_api_config_maps(const Json& vmi_spec, const Json& pod_metadata,
                                           const std::string& namespace_name);

}  // namespace kvpod::kubevirt
