// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/pod_render.hpp"
#include "core/kubevirt/unit_files.hpp"

/// The systemd unit that runs a VM's Pod, restarting it as KubeVirt's VM
/// controller restarts a VMI for the VM's runStrategy.
namespace kvpod::kubevirt {

/// What a runStrategy makes of the unit.
struct UnitPolicy {
    std::string run_strategy;  ///< "Always", ..., or "none (a VirtualMachineInstance)"
    std::string restart;       ///< systemd's Restart=: always, on-failure or no
    bool start_at_boot = false;  ///< [Install] WantedBy=multi-user.target
};

/// The policy for a VM document's runStrategy (or its deprecated `running`;
/// neither is Halted, as KubeVirt reads it); nullptr (a VMI) runs once, as
/// KubeVirt never restarts a VMI. WaitAsReceiver, which waits for a live
/// migration no single host sends, is an Error.
UnitPolicy unit_policy_for(const Json* vm);

/// KubeVirt's backoff between start attempts (vm.go calculateStartBackoffTime:
/// 10 s × failures², at most 300 s) as systemd's RestartSec, RestartSteps and
/// RestartMaxDelaySec: 10 s growing to 300 s over 5 restarts.
inline constexpr int kRestartSeconds = 10;
inline constexpr int kRestartSteps = 5;
inline constexpr int kRestartMaxDelaySeconds = 300;
/// systemd's TimeoutStartSec: pulls and image-driver volumes run in the unit.
inline constexpr int kStartTimeoutSeconds = 900;
/// What Podman needs on top of the Pod's grace period to stop and remove it.
inline constexpr int kStopMarginSeconds = 30;

struct UnitInput {
    std::string vm;  ///< the VM's name
    UnitPolicy policy;
    UnitFiles files;
    PodmanVersion podman;
    std::int64_t pod_grace_seconds = 0;  ///< the Pod's terminationGracePeriodSeconds
    std::vector<SetupStep> setup;        ///< run before kube play
    /// DataVolumes the Pod's init containers import at the first start,
    /// inside kube play: the start then has no time limit.
    std::vector<std::string> imported_volumes;
};

/// The unit file's text: a Quadlet `.kube` or a plain `.service`.
std::string render_unit(const UnitInput& input);

/// Where `systemctl enable` would link a plain unit that starts at boot
/// (Quadlet's generator makes this link itself from [Install]); empty when
/// it does not start at boot.
std::string boot_link(const UnitInput& input);

/// `text` as one argument of a systemd Exec line: double-quoted, with
/// backslash, double quote, `$` and `%` escaped as systemd.service(5) and
/// systemd.unit(5) say, so systemd passes it on unchanged.
std::string exec_quote(std::string_view text);

}  // namespace kvpod::kubevirt
