// SPDX-License-Identifier: Apache-2.0
// read_data_volume_templates(): which DataVolume sources the Pod fills, and
// the exact errors for the ones it cannot (sourceRef, CDI's other sources,
// Secrets, missing sizes); and what the Pod does with the ones it fills.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/datavolume.hpp"
#include "core/kubevirt/pod_render.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
using namespace kvpod::kubevirt;

namespace {

/// A VM whose one DataVolume template has `spec` (YAML flow) and one volume using it.
std::string vm_with_template(const std::string& spec) {
    return "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: v}\nspec:\n"
           "  dataVolumeTemplates:\n  - metadata: {name: disk}\n    spec: " +
           spec +
           "\n  template:\n    spec:\n      domain: {devices: {disks: [{name: d, disk: {bus: virtio}}]}}\n"
           "      volumes: [{name: d, dataVolume: {name: disk}}]\n";
}

std::vector<DataVolumeTemplate> read(const std::string& vm_yaml) {
    return read_data_volume_templates(yaml(vm_yaml, "vm.yaml"), "vm.yaml");
}

std::string read_error(const std::string& spec) {
    return error_of([&] { read(vm_with_template(spec)); });
}

const std::string kSize = ", storage: {resources: {requests: {storage: 1Gi}}}";

}  // namespace

TEST_CASE("each source kind is read with its size") {
    auto blank = read(vm_with_template("{source: {blank: {}}" + kSize + "}"));
    REQUIRE(blank.size() == 1);
    CHECK(blank[0].name == "disk");
    CHECK(blank[0].kind == DataVolumeSourceKind::Blank);
    CHECK(blank[0].size == "1Gi");
    CHECK(blank[0].size_bytes == 1073741824);
    CHECK(blank[0].where == "vm.yaml:/spec/dataVolumeTemplates/0");

    auto http = read(vm_with_template("{source: {http: {url: 'https://h/x.qcow2'}}, pvc: {resources: {requests: {storage: 2G}}}}"));
    CHECK(http[0].kind == DataVolumeSourceKind::Http);
    CHECK(http[0].url == "https://h/x.qcow2");
    CHECK(http[0].size == "2G");
    CHECK(http[0].size_bytes == 2000000000);

    auto registry = read(vm_with_template("{source: {registry: {url: 'docker://q.io/d:1'}}" + kSize + "}"));
    CHECK(registry[0].kind == DataVolumeSourceKind::Registry);
    CHECK_FALSE(registry[0].pull_from_node);
    CHECK(registry[0].image == "q.io/d:1");

    auto node = read(vm_with_template("{source: {registry: {url: 'docker://localhost/g', pullMethod: node, "
                                      "platform: {architecture: arm64}}}" + kSize + "}"));
    CHECK(node[0].pull_from_node);
    CHECK(node[0].image == "localhost/g");
    CHECK(node[0].architecture == "arm64");

    // A clone may leave its size out: it takes the source's.
    auto clone = read(vm_with_template("{source: {pvc: {name: golden, namespace: default}}}"));
    CHECK(clone[0].kind == DataVolumeSourceKind::Clone);
    CHECK(clone[0].clone_source == "golden");
    CHECK(clone[0].size.empty());
    CHECK(clone[0].size_bytes == 0);

    CHECK(read("apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v}\nspec: {}\n").empty());
}

TEST_CASE("exact errors: sourceRef, CDI's other sources, Secrets, missing sizes, bad URLs") {
    const std::string at = "vm.yaml:/spec/dataVolumeTemplates/0/spec";
    struct Case {
        std::string spec;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"{sourceRef: {kind: DataSource, name: fedora}" + kSize + "}",
         at + "/sourceRef: DataVolume 'disk' takes its source from the DataSource 'fedora', and only CDI's "
         "controller resolves DataSources (there is none under Podman); write the source it points to in the "
         "template instead: source: {registry: {url: docker://IMAGE}}, {http: {url: URL}} or {pvc: {name: VOLUME}}"},
        {"{source: {s3: {url: 'https://s3/b/o'}}" + kSize + "}",
         at + "/source/s3: a DataVolume source s3 needs S3 credentials from a Kubernetes Secret, which Podman "
         "does not have; download the object and serve it over http, or use source.http with a presigned URL"},
        {"{source: {gcs: {url: 'gs://b/o'}}" + kSize + "}",
         at + "/source/gcs: a DataVolume source gcs needs Google Cloud credentials from a Kubernetes Secret, "
         "which Podman does not have; use source.http with a public or signed URL"},
        {"{source: {imageio: {url: 'https://e/api', diskId: x}}" + kSize + "}",
         at + "/source/imageio: a DataVolume source imageio needs an oVirt engine and its Secret and "
         "ConfigMap, which Podman does not have; export the disk and use source.http"},
        {"{source: {vddk: {url: 'https://vc'}}" + kSize + "}",
         at + "/source/vddk: a DataVolume source vddk needs VMware's VDDK library and a vCenter Secret, which "
         "Podman does not have; export the disk and use source.http"},
        {"{source: {upload: {}}" + kSize + "}",
         at + "/source/upload: a DataVolume source upload needs CDI's upload proxy (virtctl image-upload), "
         "which Podman does not have; put the image into a Podman volume as disk.img and use persistentVolumeClaim, "
         "or serve it and use source.http"},
        {"{source: {snapshot: {name: s}}" + kSize + "}",
         at + "/source/snapshot: a DataVolume source snapshot needs a Kubernetes VolumeSnapshot, which Podman "
         "does not have; clone the volume with source.pvc"},
        {"{source: {blank: {}}}",
         at + "/storage/resources/requests/storage: DataVolume 'disk' has no size; for a blank, http or "
         "registry source the size is the disk's size; add storage: {resources: {requests: {storage: 10Gi}}}"},
        {"{source: {http: {url: 'https://h/x'}}, storage: {accessModes: [ReadWriteOnce]}}",
         at + "/storage/resources/requests/storage: DataVolume 'disk' has no size; for a blank, http or "
         "registry source the size is the disk's size; add storage: {resources: {requests: {storage: 10Gi}}}"},
        {"{source: {blank: {}}, storage: {resources: {requests: {storage: 0}}}}",
         at + "/storage/resources/requests/storage: DataVolume 'disk' asks for a size of 0 bytes; a disk "
         "needs more than that; give a positive size such as 10Gi"},
        {"{source: {http: {url: 'ftp://h/x'}}" + kSize + "}",
         at + "/source/http/url: the http source's URL 'ftp://h/x' is no http:// or https:// URL; give the "
         "image's URL, e.g. https://example.org/disk.qcow2"},
        {"{source: {http: {url: 'https://h/x', secretRef: creds}}" + kSize + "}",
         at + "/source/http/secretRef: secretRef needs a Kubernetes Secret or ConfigMap, which Podman does "
         "not have; serve the disk without credentials or custom certificates, or import it into a Podman volume "
         "yourself and use persistentVolumeClaim"},
        {"{source: {registry: {url: 'docker://q/i', certConfigMap: ca}}" + kSize + "}",
         at + "/source/registry/certConfigMap: certConfigMap needs a Kubernetes Secret or ConfigMap, which "
         "Podman does not have; serve the disk without credentials or custom certificates, or import it into a "
         "Podman volume yourself and use persistentVolumeClaim"},
        {"{source: {registry: {url: 'oci-archive:///x.tar'}}" + kSize + "}",
         at + "/source/registry/url: the registry source's URL 'oci-archive:///x.tar' is no docker://IMAGE; "
         "give the containerDisk image as docker://quay.io/containerdisks/fedora:41 (oci-archive:// names a file "
         "inside CDI's importer pod: build an image from it instead)"},
        {"{source: {registry: {url: 'docker://q/i', pullMethod: kubelet}}" + kSize + "}",
         at + "/source/registry/pullMethod: pullMethod 'kubelet' is neither pod nor node; use pod (the "
         "importer pulls from the registry) or node (Podman's own image store)"},
        {"{source: {registry: {imageStream: is}}" + kSize + "}",
         at + "/source/registry/imageStream: an imageStream needs OpenShift's image registry; name the image "
         "instead: url: docker://IMAGE"},
        {"{source: {pvc: {name: disk}}}",
         at + "/source/pvc/name: DataVolume 'disk' would be cloned from itself; name another volume"},
        {"{source: {blank: {}, http: {url: 'http://h/x'}}" + kSize + "}",
         at + "/source: DataVolume 'disk' has more than one source; keep one of blank, http, registry, pvc"},
        {"{source: {}" + kSize + "}",
         at + "/source: DataVolume 'disk' has no source; give one of blank: {}, http: {url: URL}, registry: "
         "{url: docker://IMAGE}, pvc: {name: VOLUME}"},
        {"{source: {blank: {}}, contentType: archive" + kSize + "}",
         at + "/contentType: contentType 'archive' fills a volume with files, not with a disk a VM can boot; "
         "remove it (kubevirt, the default, imports a disk)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.spec);
        CHECK(read_error(c.spec) == c.error);
    }
}

TEST_CASE("a template needs a name of its own") {
    CHECK(error_of([] {
              read("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: v}\nspec:\n"
                   "  dataVolumeTemplates: [{metadata: {}, spec: {source: {blank: {}}}}]\n  template: {spec: {}}\n");
          }) == "vm.yaml:/spec/dataVolumeTemplates/0/metadata/name: a DataVolume template has no name; name it: "
                "metadata: {name: my-disk}; the name is the Podman volume that keeps the disk");
    CHECK(error_of([] {
              read("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: v}\nspec:\n"
                   "  dataVolumeTemplates:\n"
                   "  - {metadata: {name: a}, spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Mi}}}}}\n"
                   "  - {metadata: {name: a}, spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Mi}}}}}\n"
                   "  template: {spec: {}}\n");
          }) == "vm.yaml:/spec/dataVolumeTemplates/1/metadata/name: a second DataVolume template is named 'a'; give "
                "each template its own name");
}
