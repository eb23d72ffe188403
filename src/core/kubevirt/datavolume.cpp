// SPDX-License-Identifier: Apache-2.0
// dataVolumeTemplates read as CDI v1.64's DataVolume (api core/v1beta1
// DataVolumeSpec): which sources a Pod can fill by itself, and what the
// other ones need instead.
#include "core/kubevirt/datavolume.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/kubevirt/quantity.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

using Json = nlohmann::json;

constexpr const char* kWriteSourceInstead =
    "write the source it points to in the template instead: source: {registry: {url: docker://IMAGE}}, "
    "{http: {url: URL}} or {pvc: {name: VOLUME}}";

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

/// What the sources CDI has but a Pod cannot fill need, and what to write instead.
struct Refused {
    const char* source;
    const char* needs;
    const char* instead;
};
constexpr Refused kRefusedSources[] = {
    {"s3", "S3 credentials from a Kubernetes Secret", "download the object and serve it over http, or use source.http with a presigned URL"},
    {"gcs", "Google Cloud credentials from a Kubernetes Secret", "use source.http with a public or signed URL"},
    {"imageio", "an oVirt engine and its Secret and ConfigMap", "export the disk and use source.http"},
    {"vddk", "VMware's VDDK library and a vCenter Secret", "export the disk and use source.http"},
    {"upload", "CDI's upload proxy (virtctl image-upload)", "put the image into a Podman volume as disk.img and use persistentVolumeClaim, or serve it and use source.http"},
    {"snapshot", "a Kubernetes VolumeSnapshot", "clone the volume with source.pvc"},
};

std::string pointer_of(const std::string& base, std::initializer_list<std::string_view> keys) {
    std::string out = base;
    for (auto key : keys) (out += '/') += key;
    return out;
}

/// spec.storage or spec.pvc resources.requests.storage; empty when unset.
std::pair<std::string, std::string> requested_size(const Json& spec, const std::string& where) {
    for (const char* api : {"storage", "pvc"}) {
        const Json* block = spec::get(spec, api);
        const Json* resources = block ? spec::get(*block, "resources") : nullptr;
        const Json* requests = resources ? spec::get(*resources, "requests") : nullptr;
        const Json* storage = requests ? spec::get(*requests, "storage") : nullptr;
        if (storage) return {api, pointer_of(where, {"spec", api, "resources", "requests", "storage"})};
    }
    return {"", ""};
}

const Json& size_value(const Json& spec, const std::string& api) {
    return spec.at(api).at("resources").at("requests").at("storage");
}

DataVolumeTemplate read_one(const Json& item, const std::string& where) {
    DataVolumeTemplate dv;
    dv.where = where;
    const Json* metadata = spec::get(item, "metadata");
    dv.name = metadata ? spec::string(*metadata, "name") : std::string();
    if (dv.name.empty())
        throw Error("a DataVolume template has no name", pointer_of(where, {"metadata", "name"}),
                    "name it: metadata: {name: my-disk}; the name is the Podman volume that keeps the disk");
    const Json* spec = spec::get(item, "spec");
    if (!spec || !spec->is_object())
        throw Error("DataVolume " + text::quoted(dv.name) + " has no spec", pointer_of(where, {"spec"}),
                    "give its source and size: spec: {source: {blank: {}}, storage: {resources: {requests: {storage: 1Gi}}}}");
    const std::string spec_at = pointer_of(where, {"spec"});
    if (spec::has(*spec, "sourceRef")) {
        const Json& ref = spec->at("sourceRef");
        std::string kind = spec::string(ref, "kind");
        throw Error("DataVolume " + text::quoted(dv.name) + " takes its source from the " +
                        (kind.empty() ? std::string("DataSource") : kind) + " " +
                        text::quoted(spec::string(ref, "name")) +
                        ", and only CDI's controller resolves DataSources (there is none under Podman)",
                    pointer_of(spec_at, {"sourceRef"}), kWriteSourceInstead);
    }
    const Json* source = spec::get(*spec, "source");
    if (!source || !source->is_object() || source->empty())
        throw Error("DataVolume " + text::quoted(dv.name) + " has no source", pointer_of(spec_at, {"source"}),
                    "give one of blank: {}, http: {url: URL}, registry: {url: docker://IMAGE}, pvc: {name: VOLUME}");
    const std::string source_at = pointer_of(spec_at, {"source"});
    for (const auto& refused : kRefusedSources)
        if (spec::has(*source, refused.source))
            throw Error(std::string("a DataVolume source ") + refused.source + " needs " + refused.needs +
                            ", which Podman does not have",
                        pointer_of(source_at, {refused.source}), refused.instead);
    std::string content_type = spec::string(*spec, "contentType");
    if (!content_type.empty() && content_type != "kubevirt")
        throw Error("contentType " + text::quoted(content_type) +
                        " fills a volume with files, not with a disk a VM can boot",
                    pointer_of(spec_at, {"contentType"}), "remove it (kubevirt, the default, imports a disk)");
    if (spec::has(*spec, "checkpoints") || spec::has(*spec, "finalCheckpoint"))
        throw Error("multi-stage (warm) imports need CDI's controller", pointer_of(spec_at, {"checkpoints"}),
                    "remove checkpoints and finalCheckpoint");

    auto secret_refs = [&](const Json& block, const std::string& at, std::initializer_list<const char*> keys) {
        for (const char* key : keys)
            if (!spec::string(block, key).empty() || (spec::has(block, key) && block.at(key).is_array() && !block.at(key).empty()))
                throw Error(std::string(key) + " needs a Kubernetes Secret or ConfigMap, which Podman does not have",
                            pointer_of(at, {key}),
                            "serve the disk without credentials or custom certificates, or import it into a Podman "
                            "volume yourself and use persistentVolumeClaim");
    };

    std::size_t kinds = 0;
    if (spec::has(*source, "blank")) {
        dv.kind = DataVolumeSourceKind::Blank;
        ++kinds;
    }
    if (const Json* http = spec::get(*source, "http")) {
        dv.kind = DataVolumeSourceKind::Http;
        ++kinds;
        const std::string at = pointer_of(source_at, {"http"});
        dv.url = spec::string(*http, "url");
        if (!starts_with(dv.url, "http://") && !starts_with(dv.url, "https://"))
            throw Error("the http source's URL " + text::quoted(dv.url) + " is no http:// or https:// URL",
                        pointer_of(at, {"url"}), "give the image's URL, e.g. https://example.org/disk.qcow2");
        secret_refs(*http, at, {"secretRef", "certConfigMap", "secretExtraHeaders"});
        if (spec::has(*http, "extraHeaders"))
            throw Error("extraHeaders are not passed to CDI's importer by kubevirt-vm-to-pod",
                        pointer_of(at, {"extraHeaders"}), "remove them, or put what they carry into the URL");
    }
    if (const Json* registry = spec::get(*source, "registry")) {
        dv.kind = DataVolumeSourceKind::Registry;
        ++kinds;
        const std::string at = pointer_of(source_at, {"registry"});
        if (spec::has(*registry, "imageStream"))
            throw Error("an imageStream needs OpenShift's image registry", pointer_of(at, {"imageStream"}),
                        "name the image instead: url: docker://IMAGE");
        dv.url = spec::string(*registry, "url");
        if (!starts_with(dv.url, "docker://") || dv.url.size() == 9)
            throw Error("the registry source's URL " + text::quoted(dv.url) + " is no docker://IMAGE",
                        pointer_of(at, {"url"}),
                        "give the containerDisk image as docker://quay.io/containerdisks/fedora:41 (oci-archive:// "
                        "names a file inside CDI's importer pod: build an image from it instead)");
        std::string method = spec::string(*registry, "pullMethod");
        if (!method.empty() && method != "pod" && method != "node")
            throw Error("pullMethod " + text::quoted(method) + " is neither pod nor node", pointer_of(at, {"pullMethod"}),
                        "use pod (the importer pulls from the registry) or node (Podman's own image store)");
        dv.pull_from_node = method == "node";
        dv.image = dv.url.substr(9);
        if (const Json* platform = spec::get(*registry, "platform")) dv.architecture = spec::string(*platform, "architecture");
        secret_refs(*registry, at, {"secretRef", "certConfigMap"});
    }
    if (const Json* pvc = spec::get(*source, "pvc")) {
        dv.kind = DataVolumeSourceKind::Clone;
        ++kinds;
        dv.clone_source = spec::string(*pvc, "name");
        if (dv.clone_source.empty())
            throw Error("the pvc source names no volume", pointer_of(source_at, {"pvc", "name"}),
                        "name the Podman volume to copy: pvc: {name: VOLUME}");
        if (dv.clone_source == dv.name)
            throw Error("DataVolume " + text::quoted(dv.name) + " would be cloned from itself",
                        pointer_of(source_at, {"pvc", "name"}), "name another volume");
    }
    if (kinds == 0)
        throw Error("DataVolume " + text::quoted(dv.name) + " has a source kubevirt-vm-to-pod does not know: " +
                        source->begin().key(),
                    source_at, "use blank, http, registry or pvc");
    if (kinds > 1)
        throw Error("DataVolume " + text::quoted(dv.name) + " has more than one source", source_at,
                    "keep one of blank, http, registry, pvc");

    auto [api, size_at] = requested_size(*spec, where);
    if (api.empty()) {
        if (dv.kind != DataVolumeSourceKind::Clone)
            throw Error("DataVolume " + text::quoted(dv.name) + " has no size; for a blank, http or registry source "
                        "the size is the disk's size",
                        pointer_of(spec_at, {"storage", "resources", "requests", "storage"}),
                        "add storage: {resources: {requests: {storage: 10Gi}}}");
    } else {
        Quantity size = Quantity::from_json(size_value(*spec, api), size_at);
        if (size.value() <= 0)
            throw Error("DataVolume " + text::quoted(dv.name) + " asks for a size of " + size.str() +
                            " bytes; a disk needs more than that",
                        size_at, "give a positive size such as 10Gi");
        dv.size = size.str();
        dv.size_bytes = size.value();
    }
    if (const Json* pre = spec::get(*spec, "preallocation"); pre && pre->is_boolean()) dv.preallocation = pre->get<bool>();
    return dv;
}

}  // namespace

std::vector<DataVolumeTemplate> read_data_volume_templates(const nlohmann::json& vm, const std::string& source) {
    std::vector<DataVolumeTemplate> out;
    if (!vm.is_object() || vm.value("kind", "") != "VirtualMachine") return out;
    const Json* spec = spec::get(vm, "spec");
    const Json* templates = spec ? spec::get(*spec, "dataVolumeTemplates") : nullptr;
    if (!templates) return out;
    if (!templates->is_array())
        throw Error("dataVolumeTemplates is not a list", source + ":/spec/dataVolumeTemplates",
                    "write it as a list of DataVolume templates");
    for (std::size_t i = 0; i < templates->size(); ++i) {
        DataVolumeTemplate dv = read_one((*templates)[i], source + ":/spec/dataVolumeTemplates/" + std::to_string(i));
        if (std::any_of(out.begin(), out.end(), [&](const auto& other) { return other.name == dv.name; }))
            throw Error("a second DataVolume template is named " + text::quoted(dv.name), dv.where + "/metadata/name",
                        "give each template its own name");
        out.push_back(std::move(dv));
    }
    return out;
}

}  // namespace kvpod::kubevirt
