// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"

/// The pure half of `kubevirt-vm-to-pod list|status|start|stop|restart`:
/// which Podman containers are VMs, what Podman, libvirt and the hook's
/// patched OCI config say about each, and how that is printed. The host
/// half (podman, virsh through podman exec, systemctl, files) is
/// vm2pod/lifecycle_cmd.cpp with host/run_program.hpp.
namespace kvpod::lifecycle {

using document::Json;

/// The argv that lists every container, one JSON array (Podman 4.0 to 5.x).
std::vector<std::string> ps_command(const std::string& podman);

/// A row of `podman ps --all --format json`: only what the commands use.
struct PsEntry {
    std::string id;
    std::string name;
    std::string pod;  ///< the pod's id ("" outside a pod)
    bool is_infra = false;
};

/// Reads `podman ps --all --format json`. An Error naming the output when it
/// is not a JSON array of containers.
std::vector<PsEntry> parse_ps(std::string_view output);

/// The VM whose compute container `name` is (virt-launcher-<vm>-compute, as
/// kube play names a Pod's containers), or nullopt.
std::optional<std::string> vm_of_compute_container(std::string_view name);

/// One VM as list and status show it. Empty strings are unknown / none.
struct VmInfo {
    std::string name;
    std::string namespace_name;
    std::string state;         ///< running, paused, shut off, crashed, or libvirt's other word; "unknown"
    std::string state_reason;  ///< libvirt's reason (booted, user, shutdown, ...), or Podman's
    std::string since;         ///< RFC 3339 UTC: the compute container's start (running) or end
    std::int64_t vcpus = 0;
    std::string memory;        ///< the guest's memory as the VMI says it (192Mi)
    std::vector<std::string> devices;  ///< what the hook granted: device nodes, then PCI/mdev env
    std::string address;       ///< the Pod's address, which passt gives the guest
    std::string unit;          ///< the systemd service, when a unit is installed
    std::string unit_file;     ///< its file
    std::string health;        ///< Podman's health status (starting, healthy, unhealthy), or ""
    std::string container;     ///< the compute container's name
    std::string container_state;  ///< Podman's state of it (running, exited, ...)
    std::int64_t grace_seconds = 0;  ///< the Pod's grace period: how long stop waits
};

/// What `podman container inspect` says about one compute container, and
/// about its pod's infra container (for the address).
struct ComputeInspect {
    std::string vm;
    std::string container;
    std::string status;       ///< running, exited, ...
    std::string started_at;   ///< Podman's time text
    std::string finished_at;
    std::string health;
    std::string oci_config_path;
    std::string namespace_name;
    std::string pod;
    Json vmi;  ///< STANDALONE_VMI, null when absent or not JSON
};

/// The argv of one `podman container inspect` of `ids` (all of them at once).
std::vector<std::string> inspect_command(const std::string& podman, const std::vector<std::string>& ids);

/// Reads `podman container inspect` of several containers: the compute
/// containers' facts, and each infra container's address by pod id.
struct InspectResult {
    std::vector<ComputeInspect> computes;
    std::vector<std::pair<std::string, std::string>> pod_addresses;  ///< pod id, IPv4 address
};
InspectResult parse_inspect(std::string_view output);

/// The argv that asks libvirt in the compute container for the domain's state.
std::vector<std::string> domstate_command(const std::string& podman, const std::string& container,
                                          const std::string& domain);

/// "running (booted)" → {"running", "booted"}; "shut off (crashed)" →
/// {"crashed", "crashed"}: libvirt says shut off, with crashed as the reason,
/// after QEMU died.
std::pair<std::string, std::string> parse_domstate(std::string_view output);

/// What the hook granted, from the compute container's OCI config (the
/// precreate hook writes its grants there): device nodes other than the
/// runtime's defaults, then PCI_RESOURCE_* / MDEV_PCI_RESOURCE_* env.
std::vector<std::string> granted_devices(std::string_view oci_config_json);

/// vCPUs (sockets × cores × threads) and memory from the VMI.
void fill_from_vmi(const Json& vmi, VmInfo& info);

/// The Pod's grace period for the VMI, as the converter renders it
/// (terminationGracePeriodSeconds, default 30, + KubeVirt's 30).
std::int64_t pod_grace_seconds(const Json& vmi);

/// "2026-12-04T13:39:50.402170719Z" or Podman 4's "2026-12-04 13:39:50.402170719 +0000 UTC"
/// → "2026-12-04T13:39:50Z"; "" for the zero time or anything else.
std::string rfc3339(std::string_view podman_time);

/// The table `list` prints (a header, one line per VM).
std::string format_table(const std::vector<VmInfo>& vms);
/// `status VM`: one field a line.
std::string format_status(const VmInfo& vm);
/// --output json: list is an array of these objects, status one object.
Json to_json(const VmInfo& vm);

/// The output formats: "table" (default) or "json"; an Error otherwise.
void check_output(const std::string& output);

/// Errors with their exact text.
Error unknown_vm(const std::string& vm);
Error podman_missing(const std::string& podman, const std::string& why);
Error podman_failed(const std::string& what, int exit_status, std::string_view podman_stderr);
Error command_failed(const std::vector<std::string>& argv, int exit_status, std::string_view err);

}  // namespace kvpod::lifecycle
