// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// A VM's dataVolumeTemplates as CDI v1.64 would fill them, read for a Pod
/// that fills them itself: each becomes a Podman named volume (named after
/// the DataVolume, as its PVC is in a cluster) that an init container fills
/// once with disk.img, before the VM first boots.
namespace kvpod::kubevirt {

enum class DataVolumeSourceKind {
    Blank,     ///< source.blank: an empty raw disk of the requested size
    Http,      ///< source.http: CDI's importer reads the URL (raw, qcow2, xz, gz, ...)
    Registry,  ///< source.registry: the disk under /disk in a containerDisk image
    Clone,     ///< source.pvc: a copy of another volume's disk.img
};

struct DataVolumeTemplate {
    std::string name;   ///< metadata.name: the DataVolume, its PVC and the Podman volume
    std::string where;  ///< "vm.yaml:/spec/dataVolumeTemplates/0", for messages
    DataVolumeSourceKind kind = DataVolumeSourceKind::Blank;
    std::string url;          ///< http(s):// URL, or the registry's docker://IMAGE
    bool pull_from_node = false;  ///< registry pullMethod: node (Podman's image store)
    std::string image;        ///< pullMethod node: the image without docker://
    std::string architecture; ///< registry platform.architecture
    std::string clone_source; ///< source.pvc.name: the Podman volume to copy
    std::string size;         ///< the requested storage, as written ("2Gi"); empty for a clone without one
    std::int64_t size_bytes = 0;
    bool preallocation = false;
};

/// The dataVolumeTemplates of `vm` (a VirtualMachine document; nothing for
/// a VMI or a VM without them). `source` names the file in messages.
///
/// Errors (kvpod::Error, where "<source>:/spec/dataVolumeTemplates/<i>/..."):
/// a template without a name or with a name used twice; sourceRef (a
/// DataSource, which only CDI's controller resolves; the message says to
/// write the source it points to); a source other than blank, http,
/// registry, pvc (s3, gcs, imageio, vddk, upload, snapshot), credentials
/// or certificates from Secrets and ConfigMaps, contentType archive; a
/// blank, http or registry source without a size in storage or pvc
/// resources.requests.storage; a URL of the wrong scheme.
std::vector<DataVolumeTemplate> read_data_volume_templates(const nlohmann::json& vm, const std::string& source);

}  // namespace kvpod::kubevirt
