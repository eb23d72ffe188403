// SPDX-License-Identifier: Apache-2.0
// render_launcher_pod: KubeVirt v1.8's renderLaunchManifest for a standalone
// virt-launcher under podman kube play.
#include <algorithm>

#include "core/error.hpp"
#include "core/kubevirt/downward_api.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

using namespace pod;

bool has_passt_binding(const Json& spec) {
    for (const auto& iface : array_at(spec, {"domain", "devices", "interfaces"}))
        if (has(iface, {"passtBinding"})) return true;
    return false;
}

std::string hostname_of(const Context& ctx) {
    std::string hostname = string_at(ctx.spec, {"hostname"});
    if (!hostname.empty()) return hostname;
    std::string name = ctx.name.substr(0, ctx.name.find('.'));
    return name.substr(0, 63);
}

/// virt-handler sets these in the pod's network namespace for passt
/// (pkg/network/setup/netpod); standalone, the Pod asks Podman for them.
Json pod_security_context(Context& ctx) {
    Json sc = {{"fsGroup", kNonRootUid}, {"runAsUser", ctx.user_id}};
    if (ctx.non_root) {
        sc["runAsGroup"] = ctx.user_id;
        sc["runAsNonRoot"] = true;
    }
    if (has_passt_binding(ctx.spec)) {
        sc["sysctls"] = Json::array({{{"name", "net.ipv4.ping_group_range"}, {"value", "107 107"}},
                                     {{"name", "net.ipv4.ip_unprivileged_port_start"}, {"value", "0"}}});
        if (!ctx.pod_options.podman.has_pod_sysctls())
            ctx.warn("Pod /spec/securityContext/sysctls",
                     "Podman " + ctx.pod_options.podman.str() + " ignores pod sysctls, which passt needs for ping and "
                     "ports below 1024: add default_sysctls = [\"net.ipv4.ping_group_range=107 107\", "
                     "\"net.ipv4.ip_unprivileged_port_start=0\"] to containers.conf");
    }
    return sc;
}

/// kube play names the Podman volume behind an emptyDir after the volume, so
/// two Pods with an emptyDir "private" would share one directory (Podman 4.3
/// to 5.4). Each Pod's emptyDirs are therefore named after the Pod.
void isolate_empty_dirs(Json& spec, const std::string& pod_name) {
    std::vector<std::string> renamed;
    for (auto& volume : spec["volumes"]) {
        if (!volume.contains("emptyDir")) continue;
        renamed.push_back(volume["name"]);
        volume["name"] = pod_name + "-" + volume["name"].get<std::string>();
    }
    for (const char* list : {"containers", "initContainers"}) {
        if (!spec.contains(list)) continue;
        for (auto& container : spec[list]) {
            if (!container.contains("volumeMounts")) continue;
            for (auto& m : container["volumeMounts"])
                if (std::find(renamed.begin(), renamed.end(), m["name"]) != renamed.end())
                    m["name"] = pod_name + "-" + m["name"].get<std::string>();
        }
    }
}

/// --mount-devices: the nodes the planner found, as hostPath CharDevice
/// volumes that kube play turns into devices.
void add_device_mounts(const HostDeviceMounts& devices, Volumes& volumes) {
    for (const auto& node : devices.nodes) {
        std::string name = node.rfind("/dev/", 0) == 0 ? node.substr(5) : node;
        std::replace(name.begin(), name.end(), '/', '-');
        name = "dev-" + name;
        volumes.volumes.push_back({{"name", name}, {"hostPath", {{"path", node}, {"type", "CharDevice"}}}});
        volumes.mounts.push_back({{"name", name}, {"mountPath", node}});
    }
}

}  // namespace

RenderedPod render_launcher_pod(const Json& vmi, const ConvertOptions& options, const PodOptions& pod_options,
                                Diagnostics& diagnostics) {
    if (!vmi.is_object() || vmi.value("kind", "") != "VirtualMachineInstance" || !vmi.contains("spec") ||
        !vmi["spec"].is_object())
        throw Error("is not a VirtualMachineInstance with a spec", "VMI", "expand the VM first (expand_vmi)");
    Context ctx(vmi, options, pod_options, diagnostics);
    ctx.name = string_at(vmi, {"metadata", "name"});
    if (ctx.name.empty()) throw Error("has no name", "VMI /metadata/name", "name the VM");
    ctx.namespace_name = string_at(vmi, {"metadata", "namespace"});
    if (ctx.namespace_name.empty()) ctx.namespace_name = "default";
    ctx.uid = string_at(vmi, {"metadata", "uid"});
    ctx.pod_name = launcher_pod_name(ctx.name);
    ctx.non_root = int_at(vmi, {"status", "runtimeUser"}, 0) != 0 || has(vmi, {"metadata", "annotations", "kubevirt.io/nonroot"});
    ctx.user_id = ctx.non_root ? kNonRootUid : 0;

    const std::int64_t grace_seconds = pod_grace_period(ctx);
    Json sidecars = hook_sidecars(ctx);
    Json resources = render_resources(ctx);
    Volumes volumes = render_volumes(ctx, static_cast<int>(sidecars.size()));
    if (pod_options.device_mounts) add_device_mounts(*pod_options.device_mounts, volumes);
    Json compute = render_compute(ctx, volumes, std::move(resources), static_cast<int>(sidecars.size()));
    Json containers = Json::array();
    containers.push_back(std::move(compute));
    for (auto& c : render_virtiofs_containers(ctx)) containers.push_back(std::move(c));
    for (auto& c : render_side_containers(ctx, sidecars)) containers.push_back(std::move(c));
    for (const auto& hook : sidecars) {
        if (const Json* pvc = find_path(hook, {"pvc"})) {
            std::string name = string_at(*pvc, {"name"});
            volumes.volumes.push_back({{"name", name}, {"persistentVolumeClaim", {{"claimName", name}}}});
            if (std::string shared = string_at(*pvc, {"sharedComputePath"}); !shared.empty())
                containers[0]["volumeMounts"].push_back(mount(name, shared));
        }
    }

    std::string hostname = hostname_of(ctx);
    Json spec = {{"automountServiceAccountToken", false},
                 {"containers", std::move(containers)},
                 {"enableServiceLinks", false},
                 {"hostname", hostname},
                 {"nodeSelector", node_selector(ctx)},
                 {"readinessGates", Json::array({{{"conditionType", "kubevirt.io/virtual-machine-unpaused"}}})},
                 {"restartPolicy", pod_options.restart_policy},
                 {"securityContext", pod_security_context(ctx)},
                 {"terminationGracePeriodSeconds", grace_seconds},
                 {"volumes", volumes.volumes}};
    if (Json init = render_init_containers(ctx, volumes); !init.empty()) {
        spec["initContainers"] = std::move(init);
        // Podman before 4.4 restarts init containers by the pod's policy, and
        // kube play then fails removing the still running one-shot container.
        if (!pod_options.podman.at_least(4, 4) && pod_options.restart_policy != "Never") {
            ctx.warn("Pod /spec/restartPolicy", "Never instead of " + pod_options.restart_policy + ": Podman " +
                                                pod_options.podman.str() + " would restart the init containers "
                                                "too; restart the VM with podman pod start");
            spec["restartPolicy"] = "Never";
        }
    }
    if (Json affinity = pod_affinity(ctx); !affinity.is_null()) spec["affinity"] = std::move(affinity);
    for (const char* key : {"subdomain", "dnsConfig", "dnsPolicy", "schedulerName", "tolerations",
                            "topologySpreadConstraints", "resourceClaims", "priorityClassName"}) {
        if (const Json* v = find_path(ctx.spec, {key}); v && !(v->is_string() && v->get<std::string>().empty()))
            spec[key] = *v;
    }
    isolate_empty_dirs(spec, ctx.pod_name);

    Json metadata = {{"name", ctx.pod_name},
                     {"labels", pod_labels(ctx, hostname)},
                     {"annotations", pod_annotations(ctx, volumes.persistent)},
                     {"ownerReferences", Json::array({{{"apiVersion", "kubevirt.io/v1"},
                                                       {"kind", "VirtualMachineInstance"},
                                                       {"name", ctx.name},
                                                       {"uid", ctx.uid},
                                                       {"controller", true},
                                                       {"blockOwnerDeletion", true}}})}};
    RenderedPod out;
    // From the Pod's own metadata: the files say what the Pod carries.
    out.config_maps = downward_api_config_maps(ctx.spec, metadata, ctx.namespace_name);
    // Moved, not copied: the spec holds the whole VMI (STANDALONE_VMI).
    out.pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(metadata)}, {"spec", std::move(spec)}};
    out.setup = std::move(ctx.setup);
    for (const auto& import : ctx.imports) out.imported_volumes.push_back(import.dv->name);
    return out;
}

Json render_pod(const Json& vmi, const ConvertOptions& options, Diagnostics& diagnostics) {
    PodOptions pod_options;
    if (options.mount_devices)
        throw Error("--mount-devices needs the host's device nodes", "render_pod",
                    "call render_launcher_pod with PodOptions::device_mounts from the host discovery");
    return render_launcher_pod(vmi, options, pod_options, diagnostics).pod;
}


PodmanVersion parse_podman_version(std::string_view text) {
    auto parts = text::split(text, '.');
    auto bad = [&] {
        return Error("is not a Podman version", "--podman-version " + kvpod::text::quoted(text),
                     "give major[.minor[.patch]], e.g. 4.3 or 5.4");
    };
    if (parts.empty() || parts.size() > 3) throw bad();
    auto major = text::parse_u64(parts[0]);
    auto minor = parts.size() > 1 ? text::parse_u64(parts[1]) : std::optional<std::uint64_t>(0);
    if (!major || !minor || *major > 99 || *minor > 99 || (parts.size() == 3 && !text::parse_u64(parts[2]))) throw bad();
    if (*major < 4) throw Error("Podman " + std::string(text) + " cannot run the Pod", "--podman-version",
                                "kube play turns hostPath devices into devices from Podman 4.2 on: use 4.2 or later");
    return {static_cast<int>(*major), static_cast<int>(*minor)};
}

std::string restart_policy_for(const Json* vm, Diagnostics& diagnostics) {
    if (!vm) return "Never";
    std::string strategy = string_at(*vm, {"spec", "runStrategy"});
    if (strategy.empty()) {
        const Json* running = find_path(*vm, {"spec", "running"});
        strategy = running && running->is_boolean() && running->get<bool>() ? "Always" : "Halted";
    }
    if (strategy == "Always") return "Always";
    if (strategy == "RerunOnFailure") return "OnFailure";
    if (strategy == "Halted")
        diagnostics.push_back({"/spec/runStrategy", "Halted: the Pod starts the VM when played; create it stopped with "
                                                    "podman kube play --start=false"});
    return "Never";
}

}  // namespace kvpod::kubevirt
