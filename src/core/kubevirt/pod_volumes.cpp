// SPDX-License-Identifier: Apache-2.0
// Pod volumes and compute mounts, in the order of KubeVirt v1.8's
// VolumeRenderer (rendervolumes.go, template.go newVolumeRenderer), with the
// ImageVolume feature gate on. What Podman cannot do, or what nobody does
// without virt-handler, is said in a warning next to the volume.
#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/kubevirt/downward_api.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"

namespace kvpod::kubevirt::pod {
namespace {

const std::string kVmiDisksDir = std::string(kVirtPrivateDir) + "/vmi-disks";

/// filepath.Dir for the absolute paths hostDisk takes.
std::string dir_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string where_of(std::size_t index, const Json& volume) {
    return "/spec/volumes/" + std::to_string(index) + " (" + string_at(volume, {"name"}) + ")";
}

/// A Pod secret volume source: `optional` always set, as Podman 4.3's
/// kube play dereferences it unchecked (a nil pointer panic without it).
Json secret_source(const std::string& secret) { return {{"secretName", secret}, {"optional", false}}; }

}  // namespace

Json empty_dir(const std::string& name) { return {{"name", name}, {"emptyDir", Json::object()}}; }

Json mount(const std::string& name, const std::string& path, bool read_only) {
    Json m = {{"name", name}, {"mountPath", path}};
    if (read_only) m["readOnly"] = true;
    return m;
}

std::string sh_quote(const std::string& s) {
    bool safe = !s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./:@=+,") ==
                                  std::string::npos;
    if (safe) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void VolumeRenderer::add(Json volume, Json m) {
    extra_volumes_.push_back(std::move(volume));
    if (!m.is_null()) extra_mounts_.push_back(std::move(m));
}

void VolumeRenderer::add_mount(Json m) { extra_mounts_.push_back(std::move(m)); }

void VolumeRenderer::config_volumes() {
    const Json& volumes = array_at(ctx_.spec, {"volumes"});
    for (std::size_t i = 0; i < volumes.size(); ++i) {
        const Json& v = volumes[i];
        std::string name = string_at(v, {"name"});
        if (const Json* s = find_path(v, {"secret"})) {
            Json src = secret_source(string_at(*s, {"secretName"}));
            if (s->contains("optional")) src["optional"] = (*s)["optional"];
            add({{"name", name}, {"secret", src}}, nullptr);
        }
        if (const Json* c = find_path(v, {"configMap"})) {
            Json src = {{"name", string_at(*c, {"name"})}};
            if (c->contains("optional")) src["optional"] = (*c)["optional"];
            add({{"name", name}, {"configMap", src}}, nullptr);
        }
        // kube play has no downwardAPI volume: the ConfigMap the converter
        // writes beside the Pod holds the files (downward_api.hpp).
        if (has(v, {"downwardAPI"}))
            add({{"name", name}, {"configMap", {{"name", downward_api_config_map_name(ctx_.pod_name, name)}}}}, nullptr);
    }
    // Only volumes that back a disk are mounted, in disk order.
    for (const auto& disk : array_at(ctx_.spec, {"domain", "devices", "disks"})) {
        std::string name = string_at(disk, {"name"});
        for (const auto& v : volumes) {
            if (string_at(v, {"name"}) != name) continue;
            if (has(v, {"secret"})) add_mount(mount(name, std::string(kVirtPrivateDir) + "/secret/" + name, true));
            if (has(v, {"configMap"})) add_mount(mount(name, std::string(kVirtPrivateDir) + "/config-map/" + name, true));
            if (has(v, {"downwardAPI"}))
                add_mount(mount(name, std::string(kVirtPrivateDir) + "/downwardapi/" + name, true));
        }
    }
}

void VolumeRenderer::pvc(std::size_t i, const Json& volume, const std::string& claim, Json source) {
    std::string name = string_at(volume, {"name"});
    add({{"name", name}, {"persistentVolumeClaim", std::move(source)}}, mount(name, kVmiDisksDir + "/" + name));
    auto shared = virtiofs_filesystems(ctx_.spec);
    if (std::find(shared.begin(), shared.end(), name) != shared.end()) {
        // virtiofsd runs as 107 and cannot change its uid: the directory
        // must let 107 write. Measured: Podman 4.3.1's first mount of the
        // volume hands the bound directory itself to 107 (much as KubeVirt's
        // fsGroup 107 does), Podman 5.4.2 leaves its owner alone.
        ctx_.warn(where_of(i, volume),
                  "becomes the Podman volume " + sh_quote(claim) + ", which virtiofsd (uid 107) shares with the guest "
                  "as the virtiofs tag " + name + "; to share a host directory, create the volume as a bind of it "
                  "before podman kube play (which creates a missing volume empty): podman volume create --opt "
                  "type=none --opt o=bind --opt device=/DIR " + sh_quote(claim) + "; the guest reads and writes there "
                  "what uid 107 may: chown 107:107 /DIR for it to write (Podman 4.3 does that to /DIR itself at the "
                  "first mount, Podman 5.4 does not)");
        return;
    }
    ctx_.warn(where_of(i, volume),
              "becomes the Podman volume " + sh_quote(claim) + ", which must already hold the disk as disk.img, readable and "
              "writable by uid 107 (nobody copies it there without KubeVirt's CDI): podman volume create " + sh_quote(claim) +
              ", then put the image at disk.img under its mountpoint (podman volume inspect --format '{{.Mountpoint}}' " +
              sh_quote(claim) + ") and chown 107:107 it");
}

void VolumeRenderer::host_disk(std::size_t i, const Json& volume) {
    std::string name = string_at(volume, {"name"});
    std::string path = string_at(volume, {"hostDisk", "path"});
    std::string type = string_at(volume, {"hostDisk", "type"});
    std::string host_path_type = type == "Disk" ? "Directory" : type == "DiskOrCreate" ? "DirectoryOrCreate" : "";
    Json disk_mount = mount(name, kVmiDisksDir + "/" + name);
    add({{"name", name}, {"hostPath", {{"path", dir_of(path)}, {"type", host_path_type}}}}, disk_mount);
    if (type == "DiskOrCreate") {
        // virt-handler's DiskImgCreator: a missing image becomes a sparse
        // raw file of the capacity, owned by the qemu user (107) whether or
        // not the VMI runs as root (libvirt runs QEMU as qemu in both).
        const Json* capacity = find_path(volume, {"hostDisk", "capacity"});
        std::optional<Quantity> bytes = capacity && capacity->is_string() ? Quantity::try_parse(capacity->get<std::string>())
                                        : capacity && capacity->is_number() ? Quantity::try_parse(capacity->dump())
                                                                            : std::nullopt;
        if (!bytes || bytes->value() <= 0)
            throw Error("a hostDisk of type DiskOrCreate needs its capacity", where_of(i, volume) + "/hostDisk/capacity",
                        "set capacity, such as 10Gi");
        std::string file = kVmiDisksDir + "/" + name + "/" + path.substr(path.find_last_of('/') + 1);
        std::string size = std::to_string(bytes->value());
        std::string fresh = file + ".kvpod-new";
        out_.storage_steps.push_back("if [ ! -e " + sh_quote(file) + " ]; then rm -f " + sh_quote(fresh) +
                                     " && truncate -s " + size + " " + sh_quote(fresh) + " && chown 107:107 " +
                                     sh_quote(fresh) + " && mv " + sh_quote(fresh) + " " + sh_quote(file) +
                                     " && echo " + sh_quote("created " + path + " (" + size + " bytes, sparse) for uid 107") +
                                     " || exit 1; fi");
        out_.storage_mounts.push_back(disk_mount);
        ctx_.warn(where_of(i, volume), "the disk " + path + " persists on this host: the init container vm-storage-init "
                                       "creates it at the first start, " + size + " bytes (sparse), owned by uid 107, "
                                       "as virt-handler would; later starts use it as it is");
    } else {
        ctx_.warn(where_of(i, volume), "the launcher opens " + path + " as uid 107: it must exist and be readable and "
                                       "writable by that uid (chown 107:107 " + sh_quote(path) + ")");
    }
}

void VolumeRenderer::persists(PersistentDisk disk) {
    // A Podman volume's name never starts with '/', a hostDisk's path always does.
    out_.persistent.push_back("disk " + disk.volume + "=" + disk.where);
    ctx_.persistent_disks.push_back(std::move(disk));
}

/// KubeVirt mounts the keys userdata, userData, networkdata and networkData
/// one by one (subPath) into the directory virt-launcher reads; a key the
/// Secret lacks is an empty directory under the kubelet but an error or
/// nothing under Podman (no subPath before 4.4). The whole Secret is
/// mounted there instead, once: virt-launcher finds the same files.
/// standalone_checks refuses user and network data from two Secrets.
void VolumeRenderer::secret_ref_volumes(const Json& volume, const Json& source) {
    std::string name = string_at(volume, {"name"});
    const char* ref = has(source, {"secretRef"}) ? "secretRef" : "networkDataSecretRef";
    if (!has(source, {ref})) return;
    std::string volume_name = name + (std::string(ref) == "secretRef" ? "-udata" : "-ndata");
    add({{"name", volume_name}, {"secret", secret_source(string_at(source, {ref, "name"}))}},
        mount(volume_name, std::string(kVirtPrivateDir) + "/secret/" + name, true));
}

void VolumeRenderer::vmi_volumes() {
    const Json& volumes = array_at(ctx_.spec, {"volumes"});
    std::vector<std::string> hotplug;
    for (const auto& status : array_at(ctx_.vmi, {"status", "volumeStatus"}))
        if (has(status, {"hotplugVolume"})) hotplug.push_back(string_at(status, {"name"}));
    for (std::size_t i = 0; i < volumes.size(); ++i) {
        const Json& v = volumes[i];
        std::string name = string_at(v, {"name"});
        bool hotpluggable = bool_at(v, {"persistentVolumeClaim", "hotpluggable"}, false) ||
                            bool_at(v, {"dataVolume", "hotpluggable"}, false);
        if (hotpluggable || std::find(hotplug.begin(), hotplug.end(), name) != hotplug.end()) continue;

        if (const Json* p = find_path(v, {"persistentVolumeClaim"})) {
            Json src = {{"claimName", string_at(*p, {"claimName"})}};
            if (bool_at(*p, {"readOnly"}, false)) src["readOnly"] = true;
            pvc(i, v, src["claimName"], src);
            persists({name, "volume", src["claimName"]});
        }
        if (const Json* e = find_path(v, {"ephemeral", "persistentVolumeClaim"})) pvc(i, v, string_at(*e, {"claimName"}), *e);
        if (has(v, {"hostDisk"})) {
            host_disk(i, v);
            persists({name, "hostDisk", string_at(v, {"hostDisk", "path"})});
        }
        if (has(v, {"dataVolume"})) {
            data_volume(i, v);
            persists({name, "volume", string_at(v, {"dataVolume", "name"})});
        }
        if (has(v, {"downwardMetrics"})) {
            add({{"name", name}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "1Mi"}}}},
                mount(name, std::string(kVirtPrivateDir) + "/downwardmetric-disk"));
            ctx_.warn(where_of(i, v), "downward metrics come from virt-handler, which does not run here: the guest "
                                      "sees the disk but no metrics");
        }
        if (const Json* c = find_path(v, {"cloudInitNoCloud"})) secret_ref_volumes(v, *c);
        if (const Json* s = find_path(v, {"sysprep"})) {
            Json src = has(*s, {"secret"}) ? Json{{"secret", secret_source(string_at(*s, {"secret", "name"}))}}
                                           : Json{{"configMap", {{"name", string_at(*s, {"configMap", "name"})}}}};
            src["name"] = name;
            add(src, mount(name, std::string(kVirtPrivateDir) + "/sysprep/" + name, true));
        }
        if (const Json* c = find_path(v, {"cloudInitConfigDrive"})) secret_ref_volumes(v, *c);
    }
}

void VolumeRenderer::access_credentials() {
    for (const auto& cred : array_at(ctx_.spec, {"accessCredentials"})) {
        std::string secret = string_at(cred, {"sshPublicKey", "source", "secret", "secretName"});
        if (secret.empty()) secret = string_at(cred, {"userPassword", "source", "secret", "secretName"});
        if (secret.empty()) continue;
        std::string name = secret + "-access-cred";
        add({{"name", name}, {"secret", secret_source(secret)}},
            mount(name, std::string(kVirtPrivateDir) + "/secret/" + name, true));
    }
}

void VolumeRenderer::backend_storage() {
    const Json& spec = ctx_.spec;
    bool tpm = has(spec, {"domain", "devices", "tpm"}) && bool_at(spec, {"domain", "devices", "tpm", "enabled"}, true) &&
               bool_at(spec, {"domain", "devices", "tpm", "persistent"}, false);
    bool efi = bool_at(spec, {"domain", "firmware", "bootloader", "efi", "persistent"}, false);
    if (!tpm && !efi) return;
    // KubeVirt mounts subPaths of one backend-storage PVC (withBackendStorage
    // in rendervolumes.go) at the directories where virt-launcher's libvirt
    // keeps swtpm's state and the NVRAM. Here each directory is a Podman
    // named volume of its own, which outlives the Pod as the PVC does:
    // kube play before Podman 4.4 ignores subPath, and a volume per
    // directory is one the init container can hand to uid 107 as a whole.
    // The PVC's "meta" subPath holds only a migration marker: left out.
    std::string private_dir(kVirtPrivateDir);
    if (ctx_.non_root) {
        add(empty_dir("private-libvirt"), mount("private-libvirt", private_dir + "/libvirt"));
        add(empty_dir("private-libvirt-qemu"), mount("private-libvirt-qemu", private_dir + "/libvirt/qemu"));
    }
    std::vector<std::string> claims;
    auto state_volume = [&](const std::string& path, const std::string& sub) {
        std::string claim = "persistent-state-for-" + ctx_.name + "-" + sub;
        Json state_mount = mount("vm-state-" + sub, path);
        add({{"name", "vm-state-" + sub}, {"persistentVolumeClaim", {{"claimName", claim}}}}, state_mount);
        // A new volume is root's: libvirt and swtpm run as the VM's user.
        if (ctx_.non_root) {
            out_.storage_steps.push_back("chown 107:107 " + sh_quote(path) + " || exit 1");
            out_.storage_mounts.push_back(state_mount);
        }
        claims.push_back(claim);
        return claim;
    };
    std::vector<std::string> what;
    if (efi) {
        std::string claim =
            state_volume(ctx_.non_root ? private_dir + "/libvirt/qemu/nvram" : "/var/lib/libvirt/qemu/nvram", "nvram");
        out_.persistent.push_back("efi=" + claim);
        what.push_back("the EFI variables (NVRAM) in the volume " + claim);
    }
    if (tpm) {
        std::string state =
            state_volume(ctx_.non_root ? private_dir + "/libvirt/qemu/swtpm" : "/var/lib/libvirt/swtpm", "swtpm");
        std::string localca = state_volume(
            ctx_.non_root ? private_dir + "/var/lib/swtpm-localca" : "/var/lib/swtpm-localca", "swtpm-localca");
        out_.persistent.push_back("tpm=" + state + "," + localca);
        what.push_back("the TPM's state in the volumes " + state + " and " + localca);
    }
    std::string remove;
    for (const auto& c : claims) remove += " " + sh_quote(c);
    ctx_.warn("/spec/domain", "persists beyond the Pod, as KubeVirt's backend storage: " + text::join(what, "; ") +
                                  " (podman kube play creates them at the first start; podman volume rm" + remove +
                                  " forgets them)");
}

}  // namespace kvpod::kubevirt::pod
