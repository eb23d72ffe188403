// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/kubevirt/pod_internal.hpp"

/// KubeVirt's VolumeRenderer, split over pod_volumes.cpp (VMI volumes) and
/// pod_disks.cpp (containerDisks, kernel boot, the optional volumes).
namespace kvpod::kubevirt::pod {

Json empty_dir(const std::string& name);
Json mount(const std::string& name, const std::string& path, bool read_only = false);
/// `s` quoted for a POSIX shell when it holds anything but safe characters.
std::string sh_quote(const std::string& s);

/// The VMI volumes that domain.devices.filesystems share with the guest.
std::vector<std::string> virtiofs_filesystems(const Json& spec);

class VolumeRenderer {
public:
    VolumeRenderer(Context& ctx, Volumes& out) : ctx_(ctx), out_(out) {}

    /// A pod volume and, when `m` is not null, its compute mount.
    void add(Json volume, Json m);
    void add_mount(Json m);

    // The VolumeRenderer options, in the order template.go applies them.
    void config_volumes();
    void vmi_volumes();
    void access_credentials();
    void backend_storage();
    void image_volumes();
    void optional_volumes(int hook_sidecars);
    /// withVirioFS: the virtiofsd socket directory, after checking what each
    /// filesystem shares (pod_virtiofs.cpp).
    void virtiofs();
    /// Base volumes and mounts first, then those the options added.
    void finish();

private:
    void pvc(std::size_t i, const Json& volume, const std::string& claim, Json source);
    /// A dataVolume volume: the template's import (pod_datavolumes.cpp), or
    /// a PVC when the DataVolume was made elsewhere.
    void data_volume(std::size_t i, const Json& volume);
    void host_disk(std::size_t i, const Json& volume);
    /// A disk that keeps the guest's writes beyond the Pod: for the
    /// persistent-state annotation and the warning that lists them.
    void persists(PersistentDisk disk);
    void secret_ref_volumes(const Json& volume, const Json& source);
    /// The pod volume `name` that shows `image`'s root filesystem: an image
    /// volume (Podman 5.3+), else an image-driver named volume that the
    /// setup commands create (returns its name; empty for an image volume).
    std::string image_source(const std::string& name, const std::string& image, const std::string& policy, Json& volume);
    void image_volume(const std::string& name, const std::string& image, const std::string& policy,
                      const std::string& mount_path, const std::string& where, const std::string& check);

    Context& ctx_;
    Volumes& out_;
    Json extra_volumes_ = Json::array();
    Json extra_mounts_ = Json::array();
    std::vector<std::string> pulled_;
};

}  // namespace kvpod::kubevirt::pod
