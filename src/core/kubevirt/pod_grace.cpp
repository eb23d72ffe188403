// SPDX-License-Identifier: Apache-2.0
// The Pod's grace period (KubeVirt v1.8 template.go) and how long the target
// Podman really waits between SIGTERM and SIGKILL.
#include <cstdint>
#include <limits>

#include "core/error.hpp"
#include "core/kubevirt/pod_internal.hpp"

namespace kvpod::kubevirt::pod {
namespace {

// v1.DefaultGracePeriodSeconds, for a VMI without terminationGracePeriodSeconds.
constexpr std::int64_t kDefaultVmiGraceSeconds = 30;
// template.go pads the VMI's grace period twice by 15 s: once for
// virt-launcher's --grace-period-seconds, once more for the Pod.
constexpr std::int64_t kPodPaddingSeconds = 30;
// Podman keeps the stop timeout in seconds and waits it as a Go
// time.Duration, int64 nanoseconds: more seconds than this would wrap.
constexpr std::int64_t kMaxStopTimeoutSeconds = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;

constexpr const char* kWhere = "Pod /spec/terminationGracePeriodSeconds";

/// What to run instead of relying on the grace period, where Podman does not
/// wait for it: kube play reads the Pod's grace period into each container's
/// stop timeout from 4.7 on (before, containers.conf's stop_timeout holds);
/// kube down and kube play --replace stop with no timeout at all (SIGKILL at
/// once) before 5.1.
void warn_where_podman_does_not_wait(const Context& ctx, std::int64_t pod_seconds) {
    const PodmanVersion& podman = ctx.pod_options.podman;
    const std::string seconds = std::to_string(pod_seconds);
    if (!podman.at_least(4, 7)) {
        ctx.warn(kWhere, "Podman " + podman.str() + " ignores it (kube play reads it from 4.7 on): SIGKILL follows " +
                             "SIGTERM after containers.conf's stop_timeout (10 s unless set), which can come before "
                             "virt-launcher has stopped QEMU; stop the VM with podman pod stop -t " + seconds + " " +
                             ctx.pod_name + ", also before podman kube down or kube play --replace (which kill at once "
                             "before Podman 5.1), or play the Pod with stop_timeout = " + seconds + " in the [engine] "
                             "table of containers.conf (a private one through CONTAINERS_CONF keeps it to the VMs)");
    } else if (!podman.at_least(5, 1)) {
        ctx.warn(kWhere, "podman kube down and kube play --replace on Podman " + podman.str() +
                             " kill the VM at once (they wait for the grace period from 5.1 on): stop it first with "
                             "podman pod stop " + ctx.pod_name);
    }
}

}  // namespace

std::int64_t pod_grace_period(const Context& ctx) {
    const std::int64_t vmi_seconds = int_at(ctx.spec, {"terminationGracePeriodSeconds"}, kDefaultVmiGraceSeconds);
    if (vmi_seconds > kMaxStopTimeoutSeconds - kPodPaddingSeconds)
        throw Error(std::to_string(vmi_seconds) + " seconds and KubeVirt's 30 more for the Pod are more than Podman "
                    "can wait (" + std::to_string(kMaxStopTimeoutSeconds) + " s)",
                    "/spec/terminationGracePeriodSeconds", "give a shorter grace period");
    std::int64_t pod_seconds = vmi_seconds + kPodPaddingSeconds;
    if (pod_seconds < 0) {
        // Kubernetes (1.27 on) turns a negative grace period into 1; Podman
        // would read it as an unsigned number, a stop timeout of centuries.
        ctx.warn("/spec/terminationGracePeriodSeconds",
                 std::to_string(vmi_seconds) + " leaves the Pod a negative grace period (" +
                     std::to_string(pod_seconds) + " s); it gets 1 s, as Kubernetes makes it");
        pod_seconds = 1;
    }
    // A unit stops the Pod itself with podman pod stop -t <grace> (systemd_unit.cpp).
    if (!ctx.pod_options.stopped_by_unit) warn_where_podman_does_not_wait(ctx, pod_seconds);
    return pod_seconds;
}

}  // namespace kvpod::kubevirt::pod
