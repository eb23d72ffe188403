// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/lifecycle_cmd.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/json_dump.hpp"
#include "core/kubevirt/names.hpp"
#include "core/lifecycle/vm_list.hpp"
#include "host/files.hpp"
#include "host/installed_unit.hpp"
#include "host/run_program.hpp"

namespace kvpod::vm2pod {
namespace {

host::ProgramOutput run_podman(const LifecycleOptions& options, const std::vector<std::string>& argv) {
    try {
        return host::run_program(argv);
    } catch (const Error& e) {
        throw lifecycle::podman_missing(options.podman, e.message());
    }
}

/// Every VM Podman has (or only `only`), with what Podman, libvirt and the
/// hook's OCI config say.
std::vector<lifecycle::VmInfo> discover(const LifecycleOptions& options, const std::string& only) {
    auto ps = run_podman(options, lifecycle::ps_command(options.podman));
    if (ps.exit_status != 0) throw lifecycle::podman_failed("podman ps", ps.exit_status, ps.err);
    auto entries = lifecycle::parse_ps(ps.out);
    std::vector<std::string> computes_pods, ids;
    for (const auto& e : entries) {
        auto vm = lifecycle::vm_of_compute_container(e.name);
        if (!vm || (!only.empty() && *vm != only)) continue;
        ids.push_back(e.id);
        computes_pods.push_back(e.pod);
    }
    for (const auto& e : entries)
        if (e.is_infra && !e.pod.empty() && std::find(computes_pods.begin(), computes_pods.end(), e.pod) != computes_pods.end())
            ids.push_back(e.id);
    std::vector<lifecycle::VmInfo> vms;
    if (ids.empty()) return vms;
    auto inspected = run_podman(options, lifecycle::inspect_command(options.podman, ids));
    if (inspected.exit_status != 0)
        throw lifecycle::podman_failed("podman container inspect", inspected.exit_status, inspected.err);
    auto result = lifecycle::parse_inspect(inspected.out);
    for (const auto& c : result.computes) {
        lifecycle::VmInfo info;
        info.name = c.vm;
        info.namespace_name = c.namespace_name;
        info.container = c.container;
        info.container_state = c.status;
        info.health = c.health;
        lifecycle::fill_from_vmi(c.vmi, info);
        if (c.status == "running") {
            info.since = lifecycle::rfc3339(c.started_at);
            std::string ns = info.namespace_name.empty() ? "default" : info.namespace_name;
            auto state = run_podman(options, lifecycle::domstate_command(options.podman, c.container,
                                                                          kubevirt::domain_name(ns, c.vm)));
            if (state.exit_status == 0) {
                std::tie(info.state, info.state_reason) = lifecycle::parse_domstate(state.out);
            } else {
                // The launcher is up, libvirt not (yet, or any more).
                info.state = "unknown";
                info.state_reason = "libvirt does not answer";
            }
            for (const auto& [pod, address] : result.pod_addresses)
                if (pod == c.pod) info.address = address;
        } else if (c.status == "paused") {
            info.since = lifecycle::rfc3339(c.started_at);
            info.state = "paused";
            info.state_reason = "container paused";
        } else {
            info.since = lifecycle::rfc3339(c.finished_at);
            info.state = "shut off";
            info.state_reason = "container " + c.status;
        }
        if (c.status == "running" && !c.oci_config_path.empty()) {
            try {
                if (auto text = host::read_file(c.oci_config_path, 8 << 20, true, "the compute container's OCI config"))
                    info.devices = lifecycle::granted_devices(*text);
            } catch (const Error&) {
                // Not readable by this user: the devices stay unknown.
            }
        }
        if (auto unit = host::installed_unit(options.host_root, c.vm)) {
            info.unit = unit->service;
            info.unit_file = unit->unit;
        }
        vms.push_back(std::move(info));
    }
    std::sort(vms.begin(), vms.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return vms;
}

/// A VM whose unit is installed but which has no Pod: its unit's stop (or a
/// start that failed) removed it with kube down.
lifecycle::VmInfo without_pod(const std::string& vm, const kubevirt::UnitFiles& unit) {
    lifecycle::VmInfo info;
    info.name = vm;
    info.state = "shut off";
    info.state_reason = "no Pod";
    info.unit = unit.service;
    info.unit_file = unit.unit;
    return info;
}

void run_checked(const std::vector<std::string>& argv) {
    host::ProgramOutput out;
    try {
        out = host::run_program(argv);
    } catch (const Error& e) {
        throw Error("cannot run " + argv[0] + ": " + e.message(), "", argv[0] == "systemctl" ? "is systemd running?" : "install Podman, or name it with --podman");
    }
    if (out.exit_status != 0) throw lifecycle::command_failed(argv, out.exit_status, out.err);
}

int change_state(const LifecycleOptions& options) {
    const std::string& vm = options.vm;
    const std::string pod = kubevirt::launcher_pod_name(vm);
    auto unit = host::installed_unit(options.host_root, vm);
    const char* verb = options.verb == LifecycleVerb::Start  ? "start"
                       : options.verb == LifecycleVerb::Stop ? "stop"
                                                             : "restart";
    if (unit) {
        // systemd waits the unit's stop timeout, which install sets from the grace period.
        run_checked({options.systemctl, verb, unit->service});
        return 0;
    }
    auto vms = discover(options, vm);
    if (vms.empty()) throw lifecycle::unknown_vm(vm);
    const std::string grace = std::to_string(vms.front().grace_seconds);
    // podman pod stop -t: the grace period on every Podman (kube play sets it
    // as the stop timeout only from 4.7 on); the guest-shutdown container
    // asks libvirt for the guest's shutdown meanwhile.
    if (options.verb != LifecycleVerb::Start) run_checked({options.podman, "pod", "stop", "-t", grace, pod});
    if (options.verb != LifecycleVerb::Stop) run_checked({options.podman, "pod", "start", pod});
    return 0;
}

}  // namespace

int run_lifecycle(const LifecycleOptions& options) {
    lifecycle::check_output(options.output);
    switch (options.verb) {
    case LifecycleVerb::List: {
        auto vms = with_context("list", [&] {
            auto found = discover(options, "");
            host::HostRoot root(options.host_root);
            for (const auto& vm : host::installed_unit_vms(root)) {
                if (std::any_of(found.begin(), found.end(), [&](const auto& info) { return info.name == vm; })) continue;
                if (auto unit = host::installed_unit(root, vm)) found.push_back(without_pod(vm, *unit));
            }
            std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
            return found;
        });
        if (options.output == "json") {
            lifecycle::Json array = lifecycle::Json::array();
            for (const auto& vm : vms) array.push_back(lifecycle::to_json(vm));
            host::write_stdout(array.dump(2) + "\n");
        } else {
            host::write_stdout(lifecycle::format_table(vms));
        }
        return 0;
    }
    case LifecycleVerb::Status: {
        auto vms = with_context("status", [&] {
            kubevirt::check_unit_vm_name(options.vm);
            auto found = discover(options, options.vm);
            if (found.empty()) {
                auto unit = host::installed_unit(options.host_root, options.vm);
                if (!unit) throw lifecycle::unknown_vm(options.vm);
                found.push_back(without_pod(options.vm, *unit));
            }
            return found;
        });
        host::write_stdout(options.output == "json" ? lifecycle::to_json(vms.front()).dump(2) + "\n"
                                                    : lifecycle::format_status(vms.front()));
        return 0;
    }
    default:
        return with_context(options.verb == LifecycleVerb::Start ? "start" : options.verb == LifecycleVerb::Stop ? "stop" : "restart",
                            [&] {
                                kubevirt::check_unit_vm_name(options.vm);
                                return change_state(options);
                            });
    }
}

}  // namespace kvpod::vm2pod
