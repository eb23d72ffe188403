// SPDX-License-Identifier: Apache-2.0
// Pod metadata and scheduling hints (template.go podLabels,
// generatePodAnnotations, nodeselectorrenderer.go, node affinity). Podman
// ignores nodeSelector and affinity; they are kept because they say what
// host the VM needs, and the same Pod reads right next to KubeVirt's.
#include "core/hook/selection.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/pod_internal.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt::pod {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// Pod annotations longer than this break `kube play` on Podman < 5.0
/// (define.MaxKubeAnnotation); 4.7–4.9 accept them only with --no-trunc.
constexpr std::size_t kOldPodmanAnnotationMax = 63;

Json reject_label_term(std::string key) {
    return Json{{"key", std::move(key)}, {"operator", "DoesNotExist"}};
}

/// modifyNodeAffintyToRejectLabel.
void reject_label(Json& affinity, const std::string& label) {
    Json requirement = reject_label_term(label);
    Json term = {{"matchExpressions", Json::array({requirement})}};
    Json node_affinity = {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", Json::array({term})}}}};
    if (affinity.is_object() && affinity.contains("nodeAffinity")) {
        Json& required = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
        if (required.is_object()) {
            // Terms are ORed, so the requirement joins each of them.
            for (auto& t : required["nodeSelectorTerms"]) t["matchExpressions"].push_back(requirement);
        } else {
            required = {{"nodeSelectorTerms", Json::array({term})}};
        }
    } else if (affinity.is_object()) {
        affinity["nodeAffinity"] = node_affinity;
    } else {
        affinity = {{"nodeAffinity", node_affinity}};
    }
}

}  // namespace

Json pod_labels(const Context& ctx, const std::string& hostname) {
    Json labels = object_at(ctx.vmi, {"metadata", "labels"});
    labels["kubevirt.io"] = "virt-launcher";
    labels["kubevirt.io/created-by"] = ctx.uid;
    labels["vm.kubevirt.io/name"] = hostname;
    labels["vmi.kubevirt.io/id"] = instance_id(ctx.name);
    const Json& annotations = object_at(ctx.vmi, {"metadata", "annotations"});
    if (auto it = annotations.find("sidecar.istio.io/inject"); it != annotations.end())
        labels["sidecar.istio.io/inject"] = *it;
    return labels;
}

Json pod_annotations(Context& ctx, const std::vector<std::string>& persistent) {
    Json annotations = {{"kubevirt.io/domain", ctx.name}};
    for (const auto& [key, value] : object_at(ctx.vmi, {"metadata", "annotations"}).items()) {
        if (starts_with(key, "kubectl.kubernetes.io") || starts_with(key, "kubevirt.io/storage-observed-api-version") ||
            starts_with(key, "kubevirt.io/latest-observed-api-version"))
            continue;
        annotations[key] = value;
    }
    annotations["kubectl.kubernetes.io/default-container"] = "compute";
    annotations["kubevirt.io/migrationTransportUnix"] = "true";
    annotations["descheduler.alpha.kubernetes.io/request-evict-only"] = "";
    // The hook's marker: devices come at container start, unless --mount-devices wrote them here.
    if (!ctx.pod_options.device_mounts) annotations[std::string(hook::kVmAnnotation)] = vm_marker(ctx.name);
    // What outlives the Pod and where: "efi=VOLUME tpm=VOLUME,VOLUME disk NAME=PATH; ...".
    if (!persistent.empty()) annotations["kubevirt-vm-to-pod/persistent-state"] = text::join(persistent, "; ");
    note_persistent_disks(ctx);

    if (!ctx.pod_options.podman.has_long_annotations()) {
        for (auto it = annotations.begin(); it != annotations.end();) {
            std::string value = it->is_string() ? it->get<std::string>() : it->dump();
            if (value.size() <= kOldPodmanAnnotationMax) {
                ++it;
                continue;
            }
            ctx.warn("Pod /metadata/annotations/" + it.key(),
                     "left out of the Pod: Podman " + ctx.pod_options.podman.str() +
                         " rejects annotation values over 63 characters (the VMI in STANDALONE_VMI keeps it)");
            it = annotations.erase(it);
        }
    }
    return annotations;
}

Json node_selector(const Context& ctx) {
    const Json& spec = ctx.spec;
    Json selector = {{"kubevirt.io/schedulable", "true"}};
    if (std::string arch = string_at(spec, {"architecture"}); !arch.empty())
        selector["kubernetes.io/arch"] = text::to_lower(arch);
    for (const auto& [key, value] : object_at(spec, {"nodeSelector"}).items()) selector[key] = value;

    if (is_cpu_dedicated(spec)) selector["kubevirt.io/cpumanager"] = "true";
    std::string model = string_at(spec, {"domain", "cpu", "model"});
    if (!model.empty()) {
        if (model != "host-model" && model != "host-passthrough") selector["cpu-model.node.kubevirt.io/" + model] = "true";
    }
    std::string machine = string_at(ctx.vmi, {"status", "machine", "type"});
    if (machine.empty()) machine = string_at(spec, {"domain", "machine", "type"});
    if (!machine.empty()) selector["machine-type.node.kubevirt.io/" + machine] = "true";
    if (!model.empty()) {
        for (const auto& feature : array_at(spec, {"domain", "cpu", "features"})) {
            std::string policy = string_at(feature, {"policy"});
            if (policy.empty() || policy == "require")
                selector["cpu-feature.node.kubevirt.io/" + string_at(feature, {"name"})] = "true";
        }
    }
    if (has(spec, {"domain", "cpu", "realtime"})) selector["kubevirt.io/realtime"] = "true";
    bool sev = has(spec, {"domain", "launchSecurity", "sev"});
    bool snp = has(spec, {"domain", "launchSecurity", "snp"});
    if (sev || snp) selector["kubevirt.io/sev"] = "true";
    if (bool_at(spec, {"domain", "launchSecurity", "sev", "policy", "encryptedState"}, false))
        selector["kubevirt.io/sev-es"] = "true";
    if (snp) selector["kubevirt.io/sev-snp"] = "true";
    if (has(spec, {"domain", "launchSecurity"}) && string_at(spec, {"architecture"}) == "s390x")
        selector["kubevirt.io/s390-pv"] = "true";
    if (has(spec, {"domain", "launchSecurity", "tdx"})) selector["kubevirt.io/tdx"] = "true";
    return selector;
}

Json pod_affinity(const Context& ctx) {
    const Json& spec = ctx.spec;
    Json affinity = find_path(spec, {"affinity"}) ? spec["affinity"] : Json();
    std::string model = string_at(spec, {"domain", "cpu", "model"});
    if (model.empty() || model == "host-model") reject_label(affinity, "node-labeller.kubevirt.io/obsolete-host-model");
    for (const auto& feature : array_at(spec, {"domain", "cpu", "features"}))
        if (string_at(feature, {"policy"}) == "forbid")
            reject_label(affinity, "cpu-feature.node.kubevirt.io/" + string_at(feature, {"name"}));
    return affinity;
}

}  // namespace kvpod::kubevirt::pod
