// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/systemd_unit.hpp"

#include "core/error.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/pod_internal.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr const char* kPodman = "/usr/bin/podman";

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string run_strategy_of(const Json& vm) {
    std::string strategy = pod::string_at(vm, {"spec", "runStrategy"});
    if (!strategy.empty()) return strategy;
    const Json* running = find_path(vm, {"spec", "running"});
    return running && running->is_boolean() && running->get<bool>() ? "Always" : "Halted";
}

/// Podman stops the Pod gracefully within its grace period. Quadlet's own
/// stop is kube down, which kills at once before Podman 5.1, and Podman
/// waits the Pod's grace period only from 4.7: so the unit stops the Pod
/// itself first, with the grace period given.
std::string pod_stop(const UnitInput& input) {
    return std::string(kPodman) + " pod stop --ignore -t " + std::to_string(input.pod_grace_seconds) + " " +
           launcher_pod_name(input.vm);
}

void setup_lines(const UnitInput& input, std::string& out) {
    if (input.setup.empty()) return;
    out += "# The setup the converter prints before a podman kube play by hand (idempotent).\n";
    for (const auto& step : input.setup)
        out += "ExecStartPre=/bin/sh -c " + exec_quote(text::one_line(step.command)) + "\n";
}

void restart_lines(const UnitInput& input, bool restart_steps, std::string& out) {
    out += "Restart=" + input.policy.restart + "\n";
    if (input.policy.restart == "no") return;
    out += "# KubeVirt backs off restarts (vm.go: 10 s x failures^2, at most 300 s).\n";
    out += "RestartSec=" + std::to_string(kRestartSeconds) + "\n";
    if (restart_steps) {
        out += "RestartSteps=" + std::to_string(kRestartSteps) + "\n";
        out += "RestartMaxDelaySec=" + std::to_string(kRestartMaxDelaySeconds) + "\n";
    }
}

std::string header(const UnitInput& input) {
    std::string out = "# Written by kubevirt-vm-to-pod install for the VM " + input.vm + " (runStrategy " +
                      input.policy.run_strategy + ").\n"
                      "# kubevirt-vm-to-pod uninstall " + input.vm + " removes it.\n"
                      "[Unit]\n"
                      "Description=KubeVirt VM " + input.vm + " (virt-launcher Pod, runStrategy " +
                      input.policy.run_strategy + ")\n"
                      "Documentation=man:kubevirt-vm-to-pod(1)\n"
                      "Wants=network-online.target\n"
                      "After=network-online.target\n";
    if (input.policy.restart != "no")
        out += "# KubeVirt keeps retrying; systemd's start limit would give up.\n"
               "StartLimitIntervalSec=0\n";
    return out;
}

std::string install_section(const UnitInput& input) {
    return input.policy.start_at_boot ? "\n[Install]\nWantedBy=multi-user.target\n" : "";
}

std::string stop_lines(const UnitInput& input) {
    std::string out = "ExecStop=-" + pod_stop(input) + "\n";
    if (input.imported_volumes.empty()) {
        out += "TimeoutStartSec=" + std::to_string(kStartTimeoutSeconds) + "\n";
    } else {
        // A start cut short would throw the partial import away and, with
        // Restart=, begin it again from nothing: never done for a large disk.
        // KubeVirt waits for a DataVolume as long as it takes, too.
        out += "# kube play first imports the DataVolumes " + text::join(input.imported_volumes, ", ") +
               " (once), as long as it takes.\n"
               "TimeoutStartSec=infinity\n";
    }
    return out + "TimeoutStopSec=" + std::to_string(input.pod_grace_seconds + kStopMarginSeconds) + "\n";
}

std::string guest_shutdown(const UnitInput& input) { return launcher_pod_name(input.vm) + "-guest-shutdown"; }

std::string quadlet_unit(const UnitInput& input) {
    std::string out = header(input);
    out += "\n[Kube]\nYaml=" + base_name(input.files.pod_yaml) + "\n";
    out += "\n[Service]\n";
    setup_lines(input, out);
    out += stop_lines(input);
    // Not kube play's exit-code propagation (4.6+): "any" fails the unit for
    // any container's non-zero exit, and a stop SIGKILLs the compute container
    // (137) after the grace period, as virt-launcher lingers waiting for a
    // virt-handler that is not there, long after the guest is off: every
    // systemctl stop ended "failed" (seen under systemd 257 with Podman 5.4).
    // Runs before Quadlet's own ExecStopPost (kube down), which a failure
    // here skips: the failed VM's Pod stays for podman logs until the next
    // start replaces it.
    out += "# The unit ends as the VM did: guest-shutdown's exit code, 0 when the guest shut itself down\n"
           "# (KubeVirt's Succeeded), 1 when it failed; not the last container's (a stop SIGKILLs\n"
           "# virt-launcher, which lingers after the guest is off).\n"
           "ExecStopPost=/bin/sh -c " +
           exec_quote("exit \"$(" + std::string(kPodman) + " container inspect --format '{{.State.ExitCode}}' " +
                      guest_shutdown(input) + " 2>/dev/null || echo 1)\"") +
           "\n";
    restart_lines(input, true, out);
    return out + install_section(input);
}

std::string plain_unit(const UnitInput& input) {
    const std::string pod = launcher_pod_name(input.vm);
    const std::string yaml = input.files.pod_yaml;
    std::string out = header(input);
    out += "\n[Service]\n"
           "Environment=PODMAN_SYSTEMD_UNIT=%n\n";
    setup_lines(input, out);
    out += "# A Pod left from before goes gracefully: kube play --replace kills at once before Podman 5.1.\n"
           "ExecStartPre=-" + pod_stop(input) + "\n"
           "ExecStartPre=" + std::string(kPodman) + " kube play --replace " + exec_quote(yaml) + "\n"
           "# The service lives as long as the VM: guest-shutdown ends with it, 0 when the guest shut\n"
           "# itself down (KubeVirt's Succeeded), 1 when it failed.\n"
           "ExecStart=/bin/sh -c " +
           exec_quote("exit \"$(" + std::string(kPodman) + " wait " + guest_shutdown(input) + ")\"") + "\n";
    out += stop_lines(input);
    out += "ExecStopPost=-" + std::string(kPodman) + " kube down " + exec_quote(yaml) + "\n";
    // The unit's commands are Podman clients: the Pod's processes live in
    // their own scopes, and the stop above is what ends them gracefully.
    out += "KillMode=mixed\n";
    // systemd 252 (Debian 12, whose Podman is 4.3) has no RestartSteps.
    restart_lines(input, false, out);
    return out + install_section(input);
}

}  // namespace

UnitPolicy unit_policy_for(const Json* vm) {
    if (!vm) return {"none (a VirtualMachineInstance runs once)", "no", false};
    std::string strategy = run_strategy_of(*vm);
    if (strategy == "Always") return {strategy, "always", true};
    if (strategy == "RerunOnFailure") return {strategy, "on-failure", true};
    if (strategy == "Manual" || strategy == "Halted" || strategy == "Once") return {strategy, "no", false};
    if (strategy == "WaitAsReceiver")
        throw Error("runStrategy WaitAsReceiver waits for a live migration to this host, which no other host sends "
                    "here",
                    "/spec/runStrategy", "use Manual (started by hand) or Halted");
    throw Error("runStrategy " + text::quoted(strategy) + " is not one KubeVirt knows", "/spec/runStrategy",
                "use Always, RerunOnFailure, Manual, Halted or Once");
}

std::string render_unit(const UnitInput& input) {
    return input.files.flavor == UnitFlavor::Quadlet ? quadlet_unit(input) : plain_unit(input);
}

std::string boot_link(const UnitInput& input) {
    if (input.files.flavor != UnitFlavor::Plain || !input.policy.start_at_boot) return "";
    return std::string(kSystemdUnitDir) + "/multi-user.target.wants/" + input.files.service;
}

std::string exec_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '$': out += "$$"; break;
        case '%': out += "%%"; break;
        default: out += c;
        }
    }
    return out + "\"";
}

}  // namespace kvpod::kubevirt
