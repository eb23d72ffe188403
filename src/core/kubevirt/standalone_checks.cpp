// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/standalone_checks.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/downward_api.hpp"
#include "core/kubevirt/referenced_objects.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/kubevirt/standalone_status.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

class Unsupported {
public:
    explicit Unsupported(const ExpansionContext& ctx) : ctx_(ctx) {}

    /// `pointer` is relative to the VMI spec in the input document.
    void add(const std::string& pointer, const std::string& feature, const std::string& needs,
             const std::string& alternative) {
        add_absolute(ctx_.spec_pointer + pointer, feature, needs, alternative);
    }
    void add_absolute(const std::string& pointer, const std::string& feature, const std::string& needs,
                      const std::string& alternative) {
        items_.push_back(pointer + ": " + feature + " needs " + needs + "; " + alternative);
    }
    void finish() const {
        if (items_.empty()) return;
        throw Error("unsupported in standalone mode: " + text::join(items_, " | "), ctx_.source);
    }

private:
    const ExpansionContext& ctx_;
    std::vector<std::string> items_;
};

/// virt-launcher reads user and network data from one directory; without
/// Kubernetes' subPath files of missing keys, the Pod mounts the whole Secret
/// there, so both must come from one Secret.
void check_cloud_init(const Json& source, const std::string& at, Unsupported& out) {
    const Json* user = spec::get(source, "secretRef");
    const Json* network = spec::get(source, "networkDataSecretRef");
    if (user && network && spec::string(*user, "name") != spec::string(*network, "name"))
        out.add(at + "/networkDataSecretRef", "network data from another Secret than the user data",
                "Kubernetes' subPath mounts of keys a Secret may lack",
                "put userdata and networkdata into one Secret and name it in both");
}

/// What a downwardAPI volume can give under Podman (downward_api.hpp): the
/// Pod's name, namespace, labels and annotations, as files at the volume's
/// top. The rest is refused, naming the field.
void check_downward_api(const Json& source, const std::string& at, Unsupported& out, const ExpansionContext& ctx) {
    const Json* fields = spec::get(source, "fields");
    if (!fields || !fields->is_array()) return;
    for (std::size_t i = 0; i < fields->size(); ++i) {
        const Json& field = (*fields)[i];
        const std::string here = at + "/fields/" + std::to_string(i);
        const std::string path = spec::string(field, "path");
        if (path.find('/') != std::string::npos)
            out.add(here + "/path", "the file " + text::quoted(path) + " in a subdirectory",
                    "Kubernetes' volume writer (podman kube play writes a ConfigMap's files only at the volume's top)",
                    "name the file without '/'");
        else if (path.empty() || path == "." || path == "..")
            out.add(here + "/path", "a file without a name", "a path", "name the file, such as labels");
        if (const Json* resource = spec::get(field, "resourceFieldRef")) {
            out.add(here + "/resourceFieldRef",
                    "the container resource " + text::quoted(spec::string(*resource, "resource")),
                    "the kubelet, which computes it from the container's resources and the node's capacity",
                    "write the value into the VM yourself (a configMap volume or cloudInitNoCloud userData)");
            continue;
        }
        const Json* ref = spec::get(field, "fieldRef");
        const std::string field_path = ref ? spec::string(*ref, "fieldPath") : std::string();
        if (!ref)
            out.add(here, "a file with neither fieldRef nor resourceFieldRef", "one of them", "add a fieldRef, such as "
                    "fieldPath: metadata.labels");
        else if (field_path == "metadata.uid")
            out.add(here + "/fieldRef/fieldPath", "the Pod's metadata.uid",
                    "the Kubernetes API server, which assigns it (Podman names its pod by an ID made at kube play)",
                    "use metadata.name, the Pod's fixed name");
        else if (!downward_api_field_supported(field_path))
            out.add(here + "/fieldRef/fieldPath", "the field " + text::quoted(field_path),
                    "Kubernetes (standalone, a downwardAPI volume gives metadata.name, metadata.namespace, "
                    "metadata.labels and metadata.annotations, whole or one ['KEY'])",
                    "remove the field, or pass the value with cloudInitNoCloud userData");
        if (spec::has(field, "mode"))
            ctx.warn(ctx.at(here + "/mode"), "not kept: podman kube play writes the file with mode 0644");
    }
}

void check_volume(const Json& volume, const std::string& at, Unsupported& out, const ExpansionContext& ctx) {
    if (const Json* dv = spec::get(volume, "dataVolume")) {
        if (spec::flag(*dv, "hotpluggable"))
            out.add(at + "/dataVolume/hotpluggable", "a hotpluggable volume", "virt-handler", "set hotpluggable: false");
    }
    if (const Json* pvc = spec::get(volume, "persistentVolumeClaim"); pvc && spec::flag(*pvc, "hotpluggable"))
        out.add(at + "/persistentVolumeClaim/hotpluggable", "a hotpluggable volume", "virt-handler",
                "set hotpluggable: false");
    if (spec::has(volume, "serviceAccount"))
        out.add(at + "/serviceAccount", "a serviceAccount volume (a service account's token and CA)",
                "the Kubernetes API server, which issues them", "remove the volume: standalone, no API server takes a token");
    if (const Json* downward = spec::get(volume, "downwardAPI")) check_downward_api(*downward, at + "/downwardAPI", out, ctx);
    if (spec::has(volume, "memoryDump"))
        out.add(at + "/memoryDump", "a memoryDump volume", "virt-handler", "remove the volume");
    for (const char* kind : {"cloudInitNoCloud", "cloudInitConfigDrive"})
        if (const Json* source = spec::get(volume, kind)) check_cloud_init(*source, at + "/" + kind, out);
    if (spec::has(volume, "downwardMetrics"))
        ctx.warn(ctx.at(at + "/downwardMetrics"),
                 "virt-handler writes the downward metrics; standalone the metrics disk stays empty");
}

void check_devices(const Json& vmi_spec, Unsupported& out, const ExpansionContext& ctx) {
    const Json* domain = spec::get(vmi_spec, "domain");
    if (!domain) return;
    if (const Json* devices = spec::get(*domain, "devices")) {
        if (spec::optional_bool(*devices, "autoattachVSOCK") == true)
            ctx.warn(ctx.at("/domain/devices/autoattachVSOCK"),
                     "vsock needs a CID that virt-controller assigns; standalone the VM gets no vsock device");
        for (const char* list : {"gpus", "hostDevices"})
            if (const Json* items = spec::get(*devices, list))
                for (std::size_t i = 0; i < items->size(); ++i)
                    if (spec::has((*items)[i], "claimName"))
                        out.add("/domain/devices/" + std::string(list) + "/" + std::to_string(i) + "/claimName",
                                "a device from a resource claim", "Kubernetes dynamic resource allocation",
                                "name the device's resource in deviceName instead");
        if (spec::has(*devices, "downwardMetrics"))
            ctx.warn(ctx.at("/domain/devices/downwardMetrics"),
                     "virt-handler serves the downward metrics; standalone the guest reads none");
    }
    if (const Json* cpu = spec::get(*domain, "cpu"); cpu && spec::flag(*cpu, "dedicatedCpuPlacement"))
        ctx.warn(ctx.at("/domain/cpu/dedicatedCpuPlacement"),
                 "dedicated CPUs come from the Kubernetes CPU manager; standalone, give the pod its CPUs yourself "
                 "(podman --cpuset-cpus)");
}

void check_networks(const Json& vmi_spec, Unsupported& out, const ExpansionContext& ctx) {
    if (const Json* networks = spec::get(vmi_spec, "networks"))
        for (std::size_t i = 0; i < networks->size(); ++i) {
            const Json& net = (*networks)[i];
            if (!spec::has(net, "multus")) continue;
            const std::string at = "/networks/" + std::to_string(i) + "/multus";
            if (ctx.options.passt)
                out.add(at, "a Multus network", "Multus, which Podman does not have",
                        "connect the VM to the pod network only, or use --no-passt to keep the network as written");
            else
                ctx.warn(ctx.at(at), "Podman has no Multus: the pod will have no interface " +
                                         text::quoted(pod_interface_name(net)) + " for this network");
        }
    const Json* domain = spec::get(vmi_spec, "domain");
    const Json* devices = domain ? spec::get(*domain, "devices") : nullptr;
    const Json* interfaces = devices ? spec::get(*devices, "interfaces") : nullptr;
    if (!interfaces) return;
    for (std::size_t i = 0; i < interfaces->size(); ++i) {
        const Json& iface = (*interfaces)[i];
        const std::string at = "/domain/devices/interfaces/" + std::to_string(i);
        if (spec::has(iface, "sriov"))
            out.add(at + "/sriov", "an SR-IOV interface", "Multus and the SR-IOV device plugin",
                    "pass the VF through as a hostDevice");
        if (const Json* plugin = spec::get(iface, "binding")) {
            const std::string name = spec::string(*plugin, "name");
            if (name != "passt" || !ctx.options.passt)
                out.add(at + "/binding", "the network binding plugin " + text::quoted(name),
                        "its registration in the KubeVirt CR", "use passtBinding (the default)");
        }
    }
}

/// noCloud and configDrive propagation is virt-launcher's own (it reads the
/// Secret's files into the cloud-init meta-data); qemuGuestAgent
/// propagation and userPassword need the guest agent, which the converter
/// cannot test here: refused rather than left to fail quietly.
void check_access_credentials(const Json& vmi_spec, Unsupported& out) {
    const Json* credentials = spec::get(vmi_spec, "accessCredentials");
    if (!credentials || !credentials->is_array()) return;
    auto has_volume = [&](const char* kind) {
        if (const Json* volumes = spec::get(vmi_spec, "volumes"))
            for (const auto& v : *volumes)
                if (spec::has(v, kind)) return true;
        return false;
    };
    for (std::size_t i = 0; i < credentials->size(); ++i) {
        const Json& cred = (*credentials)[i];
        const std::string at = "/accessCredentials/" + std::to_string(i);
        if (spec::has(cred, "userPassword"))
            out.add(at + "/userPassword", "a userPassword access credential", "the guest agent's propagation",
                    "set the password in cloudInitNoCloud userData (chpasswd)");
        const Json* key = spec::get(cred, "sshPublicKey");
        if (!key) continue;
        const Json* method = spec::get(*key, "propagationMethod");
        if (method && spec::has(*method, "qemuGuestAgent"))
            out.add(at + "/sshPublicKey/propagationMethod/qemuGuestAgent", "SSH keys through the guest agent",
                    "virt-launcher's agent credential manager, which kubevirt-vm-to-pod does not support",
                    "use propagationMethod noCloud or configDrive with a cloud-init volume");
        if (method && spec::has(*method, "noCloud") && !has_volume("cloudInitNoCloud"))
            out.add(at + "/sshPublicKey/propagationMethod/noCloud", "noCloud propagation",
                    "a cloudInitNoCloud volume (its meta-data carries the keys)", "add a cloudInitNoCloud volume");
        if (method && spec::has(*method, "configDrive") && !has_volume("cloudInitConfigDrive"))
            out.add(at + "/sshPublicKey/propagationMethod/configDrive", "configDrive propagation",
                    "a cloudInitConfigDrive volume (its meta-data carries the keys)", "add a cloudInitConfigDrive volume");
    }
}

/// Every Secret and ConfigMap the VM names must be given beside it: one
/// Error naming each missing one and how to give it.
void check_given_objects(const Json& vmi_spec, const ExpansionContext& ctx) {
    std::vector<std::string> missing;
    bool secret = false, config_map = false;
    for (const auto& ref : object_references(vmi_spec)) {
        const GivenObjects* given = ctx.objects;
        const bool found = given && (ref.kind == "Secret" ? given->secrets.count(ref.name) ||
                                                                given->podman_secrets.count(ref.name)
                                                           : given->config_maps.count(ref.name));
        if (found) continue;
        missing.push_back("the " + ref.kind + " " + text::quoted(ref.name) + " (" + ctx.spec_pointer + ref.pointer + ")");
        (ref.kind == "Secret" ? secret : config_map) = true;
    }
    if (missing.empty()) return;
    std::string how = std::string("add its Kubernetes document (apiVersion: v1, kind: ") +
                      (secret && config_map ? "Secret or ConfigMap" : secret ? "Secret" : "ConfigMap") +
                      ") to the VM's file after a --- line, or give it with " +
                      (secret && config_map ? "--secret-file FILE or --configmap-file FILE"
                       : secret            ? "--secret-file FILE"
                                           : "--configmap-file FILE") +
                      (secret ? " (or, for a Secret Podman already holds in kube play's form, --podman-secret NAME)" : "");
    throw Error("names " + text::join(missing, ", ") + ", which " + (missing.size() == 1 ? "is" : "are") +
                    " not given",
                ctx.source, how);
}

}  // namespace

void check_standalone_support([[maybe_unused]] const Json* vm, const Json& vmi_spec, const ExpansionContext& ctx) {
    Unsupported out(ctx);
    if (const Json* volumes = spec::get(vmi_spec, "volumes"))
        for (std::size_t i = 0; i < volumes->size(); ++i)
            check_volume((*volumes)[i], "/volumes/" + std::to_string(i), out, ctx);
    if (spec::has_items(vmi_spec, "utilityVolumes"))
        out.add("/utilityVolumes", "utility volumes", "virt-handler", "remove them");
    if (spec::has_items(vmi_spec, "resourceClaims"))
        out.add("/resourceClaims", "resourceClaims", "Kubernetes dynamic resource allocation",
                "remove them and name GPUs and host devices by deviceName");
    check_access_credentials(vmi_spec, out);
    check_devices(vmi_spec, out, ctx);
    check_networks(vmi_spec, out, ctx);
    out.finish();
    check_given_objects(vmi_spec, ctx);
}

}  // namespace kvpod::kubevirt
