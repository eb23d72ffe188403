// SPDX-License-Identifier: Apache-2.0
// The containers of the launcher Pod: compute (template.go,
// rendercontainer.go), hook sidecars, the guest console log
// (serialconsolelog.go), the console proxy of the prior tool, and the
// containerDisk guard for Podman without image volumes.
#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/selection.hpp"
#include "core/json_dump.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"
#include "core/text.hpp"
#include "guest_shutdown_script.hpp"

namespace kvpod::kubevirt::pod {
namespace {

constexpr int kExtLogVerbosityThreshold = 5;

Json env_var(std::string name, std::string value) { return {{"name", std::move(name)}, {"value", std::move(value)}}; }

Json xdg_env() {
    return Json::array({env_var("XDG_CACHE_HOME", std::string(kVirtPrivateDir)),
                        env_var("XDG_CONFIG_HOME", std::string(kVirtPrivateDir)), env_var("XDG_RUNTIME_DIR", "/var/run")});
}

/// rendercontainer.go securityContext.
Json security_context(std::int64_t uid, Json capabilities) {
    Json sc = {{"runAsUser", uid}, {"runAsNonRoot", uid != 0}};
    if (!capabilities.is_null()) sc["capabilities"] = std::move(capabilities);
    if (uid != 0) {
        sc["runAsGroup"] = uid;
        sc["allowPrivilegeEscalation"] = false;
    }
    return sc;
}

Json drop_all_context(std::int64_t uid) {
    return {{"runAsUser", uid},
            {"runAsNonRoot", uid != 0},
            {"allowPrivilegeEscalation", false},
            {"capabilities", {{"drop", Json::array({"ALL"})}}}};
}

std::string ovmf_path(const std::string& arch) {
    if (arch == "arm64") return "/usr/share/AAVMF";
    if (arch == "s390x") return "";
    return "/usr/share/OVMF";
}

/// The launcher's log verbosity: the VMI label logVerbosity, else the
/// cluster default 2. nullopt when neither is set (no env then).
std::optional<int> label_verbosity(const Context& ctx) {
    const Json& labels = object_at(ctx.vmi, {"metadata", "labels"});
    auto it = labels.find("logVerbosity");
    if (it == labels.end() || !it->is_string()) return std::nullopt;
    auto n = text::parse_u64(it->get<std::string>());
    if (!n || *n > 1000)
        throw Error("verbosity " + text::quoted(it->get<std::string>()) + " is not a number", "/metadata/labels/logVerbosity",
                    "set the label to a small integer such as 4");
    return static_cast<int>(*n);
}

bool label_true(const Context& ctx, const char* name) {
    return text::to_lower(string_at(ctx.vmi, {"metadata", "labels", name})) == "true";
}

/// A VMI probe as the compute container's probe (template.go copyProbe and
/// the virt-probe wrapping of rendercontainer.go).
Json render_probe(const Context& ctx, const Json& probe) {
    auto field = [&](const char* key, std::int64_t fallback) {
        std::int64_t v = int_at(probe, {key}, 0);
        return v == 0 ? fallback : v;
    };
    Json out = {{"timeoutSeconds", field("timeoutSeconds", 1)},
                {"periodSeconds", field("periodSeconds", 10)},
                {"successThreshold", field("successThreshold", 1)},
                {"failureThreshold", field("failureThreshold", 3)}};
    std::int64_t delay = int_at(probe, {"initialDelaySeconds"}, 0);
    for (const char* handler : {"httpGet", "tcpSocket"})
        if (has(probe, {handler})) out[handler] = probe[handler];
    std::string domain = domain_name(ctx.namespace_name, ctx.name);
    std::int64_t timeout = out["timeoutSeconds"];
    if (has(probe, {"guestAgentPing"})) {
        out["exec"] = {{"command", {"virt-probe", "--domainName", domain, "--timeoutSeconds", std::to_string(timeout),
                                    "--guestAgentPing"}}};
        out["timeoutSeconds"] = timeout + 1;
    } else if (const Json* exec = find_path(probe, {"exec"})) {
        out["exec"] = *exec;
        const Json& command = array_at(*exec, {"command"});
        if (!command.empty() && command[0] != "virt-probe") {
            Json wrapped = {"virt-probe", "--domainName", domain, "--timeoutSeconds", std::to_string(timeout),
                            "--command", command[0], "--"};
            for (std::size_t i = 1; i < command.size(); ++i) wrapped.push_back(command[i]);
            out["exec"]["command"] = wrapped;
            out["timeoutSeconds"] = timeout + 1;
        }
    }
    out["initialDelaySeconds"] = delay + 10;  // libvirt needs about ten seconds to start
    return out;
}

/// Not in KubeVirt's Pod (there virt-handler watches the domain): the health
/// check Podman runs for the compute container, so `podman ps`, `podman
/// healthcheck run` and a systemd unit see a guest whose QEMU is gone while
/// the launcher lives on (after a killed QEMU it lingered ~28 s here). `virsh
/// domcontrol` fails for a domain that is not active (shut off, crashed,
/// undefined) or when libvirt does not answer; a paused domain is alive (a
/// pause is deliberate: a restart would lose the guest's memory). Plain
/// words with no shell syntax, because Podman 4.3 runs an exec probe as
/// `/bin/sh -c "<words joined by spaces> || exit 1"` and 4.4 on runs the
/// words as they are; virsh finds libvirt through the compute container's
/// VIRSH_DEFAULT_CONNECT_URI, which health check execs inherit.
/// kube play makes initialDelaySeconds the start period (failures in it do
/// not count) and, under restartPolicy Always or OnFailure, restarts the
/// container once it is unhealthy: six failures 10 s apart outlast the
/// launcher's own exit after a guest powers itself off, so RerunOnFailure
/// still leaves that guest off.
Json domain_health_probe(const Context& ctx) {
    return {{"exec", {{"command", {"virsh", "domcontrol", domain_name(ctx.namespace_name, ctx.name)}}}},
            {"initialDelaySeconds", kHealthStartPeriodSeconds},
            {"periodSeconds", 10},
            {"timeoutSeconds", 5},
            {"successThreshold", 1},
            {"failureThreshold", 6}};
}

Json support_resources(const Context& ctx, const char* req_cpu, const char* req_mem, const char* lim_cpu,
                       const char* lim_mem) {
    bool pinned = is_cpu_dedicated(ctx.spec) || wants_guaranteed_qos(ctx.spec);
    return {{"limits", {{"cpu", lim_cpu}, {"memory", lim_mem}}},
            {"requests", {{"cpu", pinned ? lim_cpu : req_cpu}, {"memory", pinned ? lim_mem : req_mem}}}};
}

/// libvirt's URI in the launcher: the session daemon virt-launcher starts as
/// a non-root user (its virtqemud socket), else the system one.
std::string libvirt_uri(const Context& ctx) {
    return ctx.non_root ? "qemu+unix:///session?socket=/var/run/libvirt/virtqemud-sock" : "qemu:///system";
}

/// The container that stands in for virt-handler at the VM's end: it asks
/// libvirt for the guest's shutdown when the Pod stops, and ends with the
/// VM's verdict once the launcher is gone (guest-shutdown.sh says how and why).
Json render_guest_shutdown(const Context& ctx) {
    const std::string script =
        "domain=" + domain_name(ctx.namespace_name, ctx.name) + "\n" + std::string(kGuestShutdownScript);
    Json sc = drop_all_context(ctx.user_id);
    if (ctx.non_root) sc["runAsGroup"] = ctx.user_id;
    return {{"name", "guest-shutdown"},
            {"image", ctx.options.launcher_image},
            {"imagePullPolicy", std::string(kLauncherPullPolicy)},
            {"command", {"/bin/bash", "-c", script}},
            {"env",
             {env_var("VIRSH_DEFAULT_CONNECT_URI", libvirt_uri(ctx)),
              env_var("HOME", "/tmp")}},
            {"resources", support_resources(ctx, "1m", "10M", "100m", "64M")},
            {"securityContext", sc},
            {"volumeMounts", {mount("libvirt-runtime", "/var/run/libvirt")}},
            {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

}  // namespace

Json hook_sidecars(const Context& ctx) {
    std::string raw = string_at(ctx.vmi, {"metadata", "annotations", "hooks.kubevirt.io/hookSidecars"});
    if (raw.empty()) return Json::array();
    Json list = with_context("reading the annotation hooks.kubevirt.io/hookSidecars", [&] {
        return document::parse_json(raw, "/metadata/annotations/hooks.kubevirt.io~1hookSidecars");
    });
    if (!list.is_array())
        throw Error("is not a JSON list of hook sidecars", "/metadata/annotations/hooks.kubevirt.io~1hookSidecars",
                    "write it as [{\"image\": \"...\", \"args\": [...]}]");
    return list;
}

Json render_compute(Context& ctx, const Volumes& volumes, Json resources, int hook_count) {
    const Json& spec = ctx.spec;
    std::int64_t grace = int_at(spec, {"terminationGracePeriodSeconds"}, 30) + 15;
    Json command = {"/usr/bin/virt-launcher-monitor",
                    "--qemu-timeout", std::to_string(kQemuTimeoutSeconds) + "s",
                    "--name", ctx.name,
                    "--uid", ctx.uid,
                    "--namespace", ctx.namespace_name,
                    "--kubevirt-share-dir", std::string(kVirtShareDir),
                    "--ephemeral-disk-dir", std::string(kEphemeralDiskDir),
                    "--container-disk-dir", std::string(kContainerDiskDir),
                    "--grace-period-seconds", std::to_string(grace),
                    "--hook-sidecars", std::to_string(hook_count),
                    "--ovmf-path", ovmf_path(string_at(spec, {"architecture"})),
                    "--disk-memory-limit", std::string(kDiskMemoryLimit),
                    "--hypervisor", "kvm"};
    if (ctx.non_root) command.push_back("--run-as-nonroot");
    command.push_back("--image-volume");
    const Json& annotations = object_at(ctx.vmi, {"metadata", "annotations"});
    if (auto it = annotations.find("kubevirt.io/libvirt-log-filters"); it != annotations.end() && it->is_string()) {
        command.push_back("--libvirt-log-filters");
        command.push_back(*it);
    }
    for (const auto& [key, value] : annotations.items()) {
        std::string v = value.is_string() ? value.get<std::string>() : "";
        if (key.rfind("kubevirt.io/keep-launcher-alive-after-failure", 0) == 0 && (v.empty() || v.rfind("true", 0) == 0)) {
            command.push_back("--keep-after-failure");
            break;
        }
    }
    if (annotations.contains("kubevirt.io/func-test-virt-launcher-fail-fast")) command.push_back("--simulate-crash");

    Json env = ctx.non_root ? xdg_env() : Json::array();
    auto verbosity = label_verbosity(ctx);
    if (verbosity) env.push_back(env_var("VIRT_LAUNCHER_LOG_VERBOSITY", std::to_string(*verbosity)));
    int level = verbosity.value_or(2);
    if (label_true(ctx, "debugLogs") || level > kExtLogVerbosityThreshold) env.push_back(env_var("LIBVIRT_DEBUG_LOGS", "1"));
    if (label_true(ctx, "virtiofsdDebugLogs") || level > kExtLogVerbosityThreshold)
        env.push_back(env_var("VIRTIOFSD_DEBUG_LOGS", "1"));
    env.push_back({{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}});
    if (const auto& mounts = ctx.pod_options.device_mounts)
        for (const auto& [name, value] : mounts->env) env.push_back(env_var(name, value));
    env.push_back(env_var("VIRSH_DEFAULT_CONNECT_URI", libvirt_uri(ctx)));
    // Standalone mode: virt-launcher runs this VMI instead of waiting for virt-handler.
    env.push_back(env_var(std::string(hook::kVmiEnv), json::dump(ctx.vmi)));

    Json capabilities = {{"add", ctx.non_root ? Json::array({"NET_BIND_SERVICE"}) : Json::array({"NET_BIND_SERVICE", "SYS_NICE"})}};
    if (ctx.non_root) capabilities["drop"] = Json::array({"ALL"});

    Json compute = {{"name", "compute"},
                    {"image", ctx.options.launcher_image},
                    {"imagePullPolicy", std::string(kLauncherPullPolicy)},
                    {"command", command},
                    {"env", env},
                    {"resources", std::move(resources)},
                    {"securityContext", security_context(ctx.user_id, capabilities)},
                    {"volumeMounts", volumes.mounts},
                    {"terminationMessagePolicy", "FallbackToLogsOnError"}};
    if (!volumes.devices.empty()) compute["volumeDevices"] = volumes.devices;
    Json ports = Json::array();
    for (const auto& iface : array_at(spec, {"domain", "devices", "interfaces"})) {
        for (const auto& port : array_at(iface, {"ports"})) {
            std::string protocol = string_at(port, {"protocol"});
            Json p = {{"protocol", protocol.empty() ? "TCP" : protocol}, {"containerPort", int_at(port, {"port"}, 0)}};
            if (std::string name = string_at(port, {"name"}); !name.empty()) p["name"] = name;
            ports.push_back(p);
        }
    }
    // In a cluster the ports only document what the VM serves on the pod's
    // address; kube play before 4.8 binds each on the host's port of the same
    // number (found when a second VM listing port 80 failed to start), which
    // exposes the guest beyond its pod and lets two VMs collide.
    if (!ports.empty() && ctx.pod_options.podman.publishes_container_ports())
        ctx.warn("Pod /spec/containers/0/ports",
                 "left out: Podman " + ctx.pod_options.podman.str() +
                     " would publish each containerPort on the host's port of the same number (KubeVirt only "
                     "documents them); the VM's ports answer on the pod's address; to publish one on purpose, add it "
                     "with a hostPort to the Pod");
    else if (!ports.empty())
        compute["ports"] = ports;
    if (const Json* probe = find_path(spec, {"readinessProbe"})) compute["readinessProbe"] = render_probe(ctx, *probe);
    // A VMI's own livenessProbe is KubeVirt's, and Podman keeps one health
    // check per container: the domain check stands in only where it has none.
    if (const Json* probe = find_path(spec, {"livenessProbe"}))
        compute["livenessProbe"] = render_probe(ctx, *probe);
    else
        compute["livenessProbe"] = domain_health_probe(ctx);
    return compute;
}

Json render_side_containers(Context& ctx, const Json& sidecars) {
    Json containers = Json::array();
    bool pinned = is_cpu_dedicated(ctx.spec) || wants_guaranteed_qos(ctx.spec);
    for (std::size_t i = 0; i < sidecars.size(); ++i) {
        const Json& hook = sidecars[i];
        std::string name = "hook-sidecar-" + std::to_string(i);
        std::string where = "/metadata/annotations/hooks.kubevirt.io~1hookSidecars/" + std::to_string(i);
        std::string image = string_at(hook, {"image"});
        if (image.empty())
            throw Error("a hook sidecar without an image runs KubeVirt's sidecar-shim with a ConfigMap script, which "
                        "needs the Kubernetes API", where, "build an image holding the hook and name it in \"image\"");
        Json env = ctx.non_root ? xdg_env() : Json::array();
        env.push_back(env_var("CONTAINER_NAME", name));
        Json mounts = Json::array({{{"name", "hook-sidecar-sockets"}, {"mountPath", std::string(kHookSocketsDir)}, {"subPath", name}}});
        if (const Json* pvc = find_path(hook, {"pvc"}))
            mounts.push_back(mount(string_at(*pvc, {"name"}), string_at(*pvc, {"volumePath"})));
        Json c = {{"name", name}, {"image", image}, {"env", env}, {"volumeMounts", mounts},
                  {"terminationMessagePolicy", "FallbackToLogsOnError"}};
        Json resources = Json::object();
        if (pinned) resources = {{"limits", {{"cpu", "200m"}, {"memory", "64M"}}}, {"requests", {{"cpu", "200m"}, {"memory", "64M"}}}};
        c["resources"] = resources;
        if (std::string policy = string_at(hook, {"imagePullPolicy"}); !policy.empty()) c["imagePullPolicy"] = policy;
        if (has(hook, {"command"})) c["command"] = hook["command"];
        if (has(hook, {"args"})) c["args"] = hook["args"];
        c["securityContext"] = ctx.non_root ? drop_all_context(ctx.user_id) : security_context(0, nullptr);
        if (ctx.non_root) c["securityContext"]["runAsGroup"] = ctx.user_id;
        containers.push_back(c);
        if (has(hook, {"configMap"}))
            throw Error("a ConfigMap hook sidecar needs the Kubernetes API", where + "/configMap",
                        "bake the hook script into the sidecar image");
        if (!ctx.pod_options.podman.has_sub_path())
            ctx.warn(where, "Podman " + ctx.pod_options.podman.str() + " ignores subPath: the sidecar sees the whole "
                                                                        "hook socket directory");
    }

    // The guest console log is a native sidecar (an init container with
    // restartPolicy Always) in KubeVirt; Podman has none, so it runs as a
    // regular container. The emulated cluster disables it unless the VMI
    // asks for it.
    bool serial = bool_at(ctx.spec, {"domain", "devices", "autoattachSerialConsole"}, true);
    if (serial && bool_at(ctx.spec, {"domain", "devices", "logSerialConsole"}, false)) {
        auto verbosity = label_verbosity(ctx);
        containers.push_back({{"name", "guest-console-log"},
                              {"image", ctx.options.launcher_image},
                              {"imagePullPolicy", std::string(kLauncherPullPolicy)},
                              {"command", {"/usr/bin/virt-tail"}},
                              {"args", {"--logfile", std::string(kVirtPrivateDir) + "/" + ctx.uid + "/virt-serial0-log"}},
                              {"env", {env_var("VIRT_LAUNCHER_LOG_VERBOSITY", std::to_string(verbosity.value_or(2)))}},
                              {"resources", support_resources(ctx, "5m", "35M", "15m", "60M")},
                              {"securityContext", drop_all_context(kNonRootUid)},
                              {"volumeMounts", {mount("private", std::string(kVirtPrivateDir), true)}}});
    }
    containers.push_back(render_guest_shutdown(ctx));
    if (ctx.options.console_proxy) {
        containers.push_back({{"name", "console-proxy"},
                              {"image", ctx.options.proxy_image},
                              {"command", {"/console-proxy", "-port=" + std::to_string(ctx.options.proxy_port), "-listen=unix"}},
                              {"securityContext", {{"capabilities", {{"drop", Json::array({"ALL"})}}}}},
                              {"volumeMounts", {mount("private", std::string(kVirtPrivateDir))}}});
    }
    return containers;
}

Json render_init_containers(Context& ctx, const Volumes& volumes) {
    // In a cluster CDI fills the DataVolumes before the launcher Pod exists.
    Json init = render_import_containers(ctx);
    if (!volumes.storage_steps.empty()) {
        // virt-handler's part, before the launcher starts: it runs as root on
        // the node; here a root init container (chown needs CAP_CHOWN). Each
        // step leaves what exists alone, so every start may run it.
        std::string script = "set -u";
        for (const auto& step : volumes.storage_steps) script += "; " + step;
        init.push_back({{"name", "vm-storage-init"},
                        {"image", ctx.options.launcher_image},
                        {"imagePullPolicy", std::string(kLauncherPullPolicy)},
                        {"command", {"/bin/sh", "-c", script}},
                        {"resources", support_resources(ctx, "1m", "1M", "10m", "40M")},
                        {"securityContext",
                         {{"runAsUser", 0},
                          {"runAsNonRoot", false},
                          {"allowPrivilegeEscalation", false},
                          {"capabilities", {{"drop", Json::array({"ALL"})}, {"add", Json::array({"CHOWN"})}}}}},
                        {"volumeMounts", volumes.storage_mounts},
                        {"terminationMessagePolicy", "FallbackToLogsOnError"}});
    }
    if (volumes.disk_checks.empty()) return init;
    std::string script = "missing=0";
    for (const auto& check : volumes.disk_checks) script += "; " + check;
    script += "; exit $missing";
    Json mounts = Json::array();
    for (const auto& m : volumes.mounts) {
        std::string path = string_at(m, {"mountPath"});
        if (path.rfind(std::string(kImageVolumeDir), 0) == 0 || path == kKernelBootVolumeDir) mounts.push_back(m);
    }
    Json sc = drop_all_context(ctx.user_id);
    if (ctx.non_root) sc["runAsGroup"] = ctx.user_id;
    init.push_back({{"name", "container-disk-check"},
                    {"image", ctx.options.launcher_image},
                    {"imagePullPolicy", std::string(kLauncherPullPolicy)},
                    {"command", {"/bin/sh", "-c", script}},
                    {"resources", support_resources(ctx, "1m", "1M", "10m", "40M")},
                    {"securityContext", sc},
                    {"volumeMounts", mounts},
                    {"terminationMessagePolicy", "FallbackToLogsOnError"}});
    return init;
}

}  // namespace kvpod::kubevirt::pod
