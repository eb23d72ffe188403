// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/kubevirt/pod_render.hpp"

/// Where a VM's systemd unit and Pod YAML live: the contract between
/// `install`/`uninstall` and the lifecycle commands (list, status, start,
/// stop), which look for exactly these paths under --host-root.
namespace kvpod::kubevirt {

/// How systemd runs the Pod: a Quadlet `.kube` file (Podman 4.4 and later,
/// whose generator turns it into the service), or a plain `.service` that
/// runs `podman kube play` itself (Podman 4.3, which has no Quadlet).
enum class UnitFlavor { Quadlet, Plain };

/// Where the Quadlet generator reads root's units (podman-systemd.unit(5)).
inline constexpr std::string_view kQuadletDir = "/etc/containers/systemd";
/// Where an admin's own systemd units go (systemd.unit(5)).
inline constexpr std::string_view kSystemdUnitDir = "/etc/systemd/system";
/// Where the Pod YAML of a plain unit goes: not beside it, as systemd would
/// warn about a file in its unit directory that is no unit.
inline constexpr std::string_view kPlainPodDir = "/etc/kubevirt-vm-to-pod/pods";

struct UnitFiles {
    UnitFlavor flavor = UnitFlavor::Quadlet;
    std::string unit;      ///< absolute path (as on the host, without --host-root) of the .kube or .service file
    std::string pod_yaml;  ///< absolute path of the Pod YAML the unit plays
    std::string service;   ///< the service systemctl knows: unit_name(vm)
};

/// Quadlet from Podman 4.4 on (its first release with `.kube` units).
UnitFlavor unit_flavor_for(const PodmanVersion& podman);

/// The files of `vm`'s unit of `flavor`. Throws Error when `vm` cannot name
/// a unit (check_unit_vm_name).
UnitFiles unit_files(std::string_view vm, UnitFlavor flavor);

/// Both flavors' files, Quadlet first: what a lookup tries in turn.
std::array<UnitFiles, 2> all_unit_files(std::string_view vm);

/// A VM name must be a Kubernetes object name (DNS-1123 subdomain), which
/// also keeps it one path component, and short enough that
/// virt-launcher-NAME.service fits systemd's 255 characters.
void check_unit_vm_name(std::string_view vm);

/// "Quadlet" or "plain", for messages and --output json.
std::string_view flavor_name(UnitFlavor flavor);

}  // namespace kvpod::kubevirt
