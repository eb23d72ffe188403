// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// The converter's two pure steps: VM → fully defaulted VMI (KubeVirt v1.8's
/// webhooks and controller, in KubeVirt's order) → the virt-launcher Pod for
/// `podman kube play`. Both are deterministic: same input, same bytes.
namespace kvpod::kubevirt {

using Json = nlohmann::json;

/// A warning for the user (stderr), with where it applies.
struct Diagnostic {
    std::string where;    ///< "vm.yaml:/spec/template/spec/domain/memroy"
    std::string message;  ///< what and what to do
};
using Diagnostics = std::vector<Diagnostic>;

struct ConvertOptions {
    std::string launcher_image = "quay.io/kubevirt/virt-launcher:v1.8.0";
    /// CDI's importer, which fills dataVolumeTemplates (init containers).
    std::string importer_image = "quay.io/kubevirt/cdi-importer:v1.64.0";
    std::string host_architecture = "amd64";  ///< used when the VM sets none
    bool passt = true;                        ///< false: --no-passt
    bool mount_devices = false;
    bool console_proxy = false;
    std::string proxy_image = "quay.io/vladikr/kubevirt-console-proxy:latest";
    int proxy_port = 8080;
};

/// A Secret or ConfigMap document the user gave beside the VM.
struct GivenObject {
    Json doc;
    std::string source;  ///< for messages: "vm.yaml (document 2)"
    std::string path;    ///< the file it was read from; "" for stdin
};

/// The Secrets and ConfigMaps the user gave, by metadata.name.
struct GivenObjects {
    std::map<std::string, GivenObject> secrets;
    std::map<std::string, GivenObject> config_maps;
    /// Secrets already in Podman's secret store (--podman-secret), used as
    /// they are: no document, no setup line.
    std::set<std::string> podman_secrets;
};

/// What the user gave: the VM (or VMI) and, when it references them, the
/// instancetype and preference documents, the Secrets and ConfigMaps, and
/// the VirtualMachineInstancePresets that may select it.
struct VmInput {
    Json vm;
    std::optional<Json> instancetype;
    std::optional<Json> preference;
    std::string source;  ///< file name for messages
    std::string instancetype_source = "--instancetype-file";  ///< its file name for messages
    std::string preference_source = "--preference-file";      ///< its file name for messages
    GivenObjects objects;
    /// VirtualMachineInstancePresets given beside the VM (presets.hpp).
    std::vector<GivenObject> presets;
};

/// The VMI KubeVirt v1.8 would run for `input`, with the status fields a
/// standalone virt-launcher needs (expand_vmi.cpp lists the steps and what
/// stands in for the cluster).
/// Deterministic: no random UUID or serial; keys come out sorted.
///
/// Errors (each a kvpod::Error, one line):
/// - the input is no VM/VMI, or has values of the wrong type;
/// - an instancetype/preference is referenced but not given, given but not
///   referenced, or of another kind or name than the VM references;
/// - "VMI conflicts with instancetype spec in fields: [...]";
/// - "failure checking preference requirements: ...";
/// - an architecture other than amd64, arm64, s390x;
/// - "unsupported in standalone mode: <pointer>: <feature> needs <what>;
///   <alternative> | ..." listing every unsupported feature;
/// - "invalid network configuration: ..." (KubeVirt's network rules).
/// Warnings (unknown fields, --no-passt bindings, ...) go to `diagnostics`.
Json expand_vmi(const VmInput& input, const ConvertOptions& options, Diagnostics& diagnostics);

/// The Pod (apiVersion v1, kind Pod) that runs `vmi` under podman kube play.
Json render_pod(const Json& vmi, const ConvertOptions& options, Diagnostics& diagnostics);

}  // namespace kvpod::kubevirt
