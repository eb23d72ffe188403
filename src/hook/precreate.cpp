// SPDX-License-Identifier: Apache-2.0
#include "hook/precreate.hpp"

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/device_plan.hpp"
#include "core/hook/seccomp_profile.hpp"
#include "core/hook/selection.hpp"
#include "core/hook/virt_devices.hpp"
#include "core/oci_config.hpp"
#include "core/text.hpp"
#include "host/files.hpp"
#include "host/host_root.hpp"
#include "host/log.hpp"
#include "host/seccomp_names.hpp"

namespace kvpod::hook {
namespace {

std::string short_id(const std::string& id) { return id.empty() ? std::string("(unknown id)") : id.substr(0, 12); }

void log_plan(const std::string& who, const DevicePlan& plan) {
    for (const auto& row : plan.rows) {
        switch (row.status) {
        case RowStatus::Granted: log::info(who + ": granted " + row.request + ": " + row.grant + " for " + row.why); break;
        case RowStatus::Skipped: log::warning(who + ": skipped " + row.request + ": " + row.why); break;
        case RowStatus::Refused: log::error(who + ": refused " + row.request + ": " + row.why); break;
        }
    }
    for (const auto& [name, value] : plan.patch.env) log::info(who + ": env " + name + "=" + value);
}

}  // namespace

HookConfig load_config(const std::string& path) {
    return with_context("loading the hook configuration", [&] {
        auto text = host::read_file(path, 1024 * 1024, true);
        if (!text) return HookConfig{};
        return parse_hook_config(document::parse_yaml(*text, path), path);
    });
}

std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config) {
    auto oci_config = with_context("reading the runtime config from stdin", [&] {
        return document::parse_json(input, "config.json", config.config_limits);
    });
    auto facts = oci::read_facts(oci_config);
    std::string who = "container " + short_id(facts.container_id);
    auto selection = select(facts, config.spec_limits);
    if (selection.verdict != Verdict::Compute) {
        log::info(who + ": unchanged: " + selection.reason);
        return std::string(input);
    }
    const auto& vm = *selection.vm;
    log::info(who + ": " + selection.reason);
    if (!selection.marker.empty() && selection.marker != vm.name)
        log::warning(who + ": annotation " + std::string(kVmAnnotation) + "=" + text::quoted(selection.marker) +
                     " names another VM than the spec (" + text::quoted(vm.name) + ")");

    host::HostRoot root(options.host_root);
    DevicePlan plan;
    auto wants = virt_device_wants(vm, config);
    std::vector<std::string> paths;
    for (const auto& want : wants) paths.push_back(want.path);
    auto nodes = with_context("inspecting the host", [&] { return root.device_nodes(paths); });
    plan_virt_devices(wants, nodes, runtime_user(vm), plan);

    log_plan(who, plan);
    if (!plan.ok()) {
        Error refusal = plan.refusals.front();
        refusal.context("refusing to start VM " + text::quoted(vm.name));
        throw refusal;
    }
    oci::apply(oci_config, plan.patch);
    auto architectures = seccomp_architectures(oci_config);
    for (const auto& syscall : launcher_extra_syscalls()) {
        auto change = allow_syscall(oci_config, syscall, host::resolve_syscall(syscall, architectures));
        log::info(who + ": seccomp " + syscall + ": " + change.why);
    }
    return oci_config.dump() + "\n";
}

}  // namespace kvpod::hook
