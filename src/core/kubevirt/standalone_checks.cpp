// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/standalone_checks.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/kubevirt/standalone_status.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr const char* kKubernetesApi = "the Kubernetes API";

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

void check_cloud_init(const Json& source, const std::string& at, Unsupported& out) {
    if (spec::has(source, "secretRef"))
        out.add(at + "/secretRef", "cloud-init user data from a Secret (userDataSecretRef)", kKubernetesApi,
                "put the user data inline with userData or userDataBase64");
    if (spec::has(source, "networkDataSecretRef"))
        out.add(at + "/networkDataSecretRef", "cloud-init network data from a Secret", kKubernetesApi,
                "put the network data inline with networkData or networkDataBase64");
}

void check_volume(const Json& volume, const std::string& at, Unsupported& out, const ExpansionContext& ctx) {
    if (const Json* dv = spec::get(volume, "dataVolume")) {
        if (spec::flag(*dv, "hotpluggable"))
            out.add(at + "/dataVolume/hotpluggable", "a hotpluggable volume", "virt-handler", "set hotpluggable: false");
    }
    if (const Json* pvc = spec::get(volume, "persistentVolumeClaim"); pvc && spec::flag(*pvc, "hotpluggable"))
        out.add(at + "/persistentVolumeClaim/hotpluggable", "a hotpluggable volume", "virt-handler",
                "set hotpluggable: false");
    for (const char* kind : {"configMap", "secret"})
        if (spec::has(volume, kind))
            out.add(at + "/" + kind, std::string("a ") + kind + " volume", kKubernetesApi,
                    "pass the files with cloudInitNoCloud userData, or on a hostDisk or containerDisk");
    if (spec::has(volume, "serviceAccount"))
        out.add(at + "/serviceAccount", "a serviceAccount volume", kKubernetesApi, "remove the volume");
    if (spec::has(volume, "downwardAPI"))
        out.add(at + "/downwardAPI", "a downwardAPI volume", "the Kubernetes downward API",
                "pass the values with cloudInitNoCloud userData");
    if (spec::has(volume, "sysprep"))
        out.add(at + "/sysprep", "a sysprep volume", "a ConfigMap or Secret from the Kubernetes API",
                "attach the answer file as a cdrom from a hostDisk or containerDisk");
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
    if (spec::has_items(vmi_spec, "accessCredentials"))
        out.add("/accessCredentials", "accessCredentials", "Kubernetes Secrets and virt-handler",
                "put the SSH keys or passwords into cloudInitNoCloud userData");
    check_devices(vmi_spec, out, ctx);
    check_networks(vmi_spec, out, ctx);
    out.finish();
}

}  // namespace kvpod::kubevirt
