// SPDX-License-Identifier: Apache-2.0
#include "hook/precreate.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <set>

#include "build_config.hpp"
#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/device_plan.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/seccomp_profile.hpp"
#include "core/hook/selection.hpp"
#include "core/json_dump.hpp"
#include "core/kubevirt/names.hpp"
#include "core/oci_config.hpp"
#include "core/oci_partial.hpp"
#include "core/text.hpp"
#include "hook/allocate.hpp"
#include "hook/device_flow.hpp"
#include "host/document_cache.hpp"
#include "host/files.hpp"
#include "host/host_root.hpp"
#include "host/log.hpp"
#include "host/process.hpp"
#include "host/seccomp_names.hpp"

namespace kvpod::hook {
namespace {

/// Half the hook's deadline (4 s by default): the lock is held for
/// milliseconds, so a longer wait means a stuck holder, and the refusal
/// should say so before the deadline ends the hook with a vaguer message.
std::chrono::milliseconds allocation_lock_wait(const HookConfig& config) {
    return std::chrono::milliseconds(config.deadline_seconds * 1000 / 2);
}

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
    for (const auto& note : plan.notes) log::info(who + ": " + note);
}

/// Applies the plan's patch and the launcher's seccomp additions; tells
/// `partial` (when patching one) how the seccomp rules changed.
void patch_config(nlohmann::json& oci_config, const oci::Patch& patch, const std::string& who, bool log_changes,
                  oci::PartialConfig* partial) {
    oci::apply(oci_config, patch);
    auto architectures = seccomp_architectures(oci_config);
    for (const auto& syscall : launcher_extra_syscalls()) {
        auto change = allow_syscall(oci_config, syscall, host::resolve_syscall(syscall, architectures));
        if (log_changes) log::info(who + ": seccomp " + syscall + ": " + change.why);
        if (partial) partial->note_rules_change(change.removed, change.appended);
    }
}

nlohmann::json parse_whole(std::string_view input, const HookConfig& config) {
    return with_context("reading the runtime config from stdin", [&] {
        return document::parse_json(input, "config.json", config.config_limits);
    });
}

}  // namespace

HookConfig load_config(const std::string& path, const std::string& cache_dir) {
    return with_context("loading the hook configuration", [&] {
        host::FileStamp stamp;
        auto text = host::read_file(path, 1024 * 1024, true, host::kRaiseHookLimit, &stamp);
        if (!text) return HookConfig{};
        // JSON is YAML too, but a YAML parser costs more than a JSON one: a
        // file that starts with { is read as JSON (same data model),
        // and a YAML file's document is kept as JSON until the file changes.
        host::DocumentCache cache(cache_dir, KVPOD_VERSION);
        bool cacheable = !cache_dir.empty() && !document::looks_like_json(*text);
        if (cacheable)
            if (auto document = cache.find(path, stamp)) return parse_hook_config(*document, path);
        auto document = document::parse_json_or_yaml(*text, path);
        HookConfig config = parse_hook_config(document, path);  // only a valid document is kept
        if (cacheable) cache.store(path, stamp, document);
        return config;
    });
}

namespace {

/// What one precreate run parses and plans: the trees behind the output.
struct PrecreateWork {
    std::optional<oci::PartialConfig> partial;
    nlohmann::json whole;
    oci::ContainerFacts facts;
    Selection selection;
    DevicePlan plan;
};

std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config,
                          PrecreateWork& work) {
    // The fast path parses only the members the hook reads; text it cannot
    // vouch for is parsed whole, as before, which reports any error.
    auto& partial = work.partial;
    auto& whole = work.whole;
    partial = oci::PartialConfig::read(input, config.config_limits);
    if (!partial) whole = parse_whole(input, config);
    nlohmann::json& oci_config = partial ? partial->json() : whole;
    auto& facts = work.facts;
    facts = oci::read_facts(oci_config);
    auto& selection = work.selection;
    selection = select(facts, config.spec_limits);
    // The mounts (Podman's container directory) matter to the compute
    // container, or to name one whose cgroupsPath does not: read them only then.
    if (partial && (selection.verdict == Verdict::Compute || facts.container_id.empty())) {
        if (!partial->load_mounts()) throw Error("the mounts do not parse", "config.json:/mounts");  // skim() vouched for them
        facts = oci::read_facts(oci_config);
    }
    std::string who = "container " + short_id(facts.container_id);
    if (selection.verdict != Verdict::Compute) {
        log::info(who + ": unchanged: " + selection.reason);
        return std::string(input);
    }
    const auto& vm = *selection.vm;
    log::info(who + ": " + selection.reason);
    if (!selection.marker.empty() && selection.marker != kubevirt::vm_marker(vm.name))
        log::warning(who + ": annotation " + std::string(kVmAnnotation) + "=" + text::quoted(selection.marker) +
                     " names another VM than the spec (" + text::quoted(vm.name) + ")");

    host::HostRoot root(options.host_root);
    auto plan_for = [&](const std::set<std::string>& unavailable, const std::set<std::string>& preferred) {
        return plan_devices(DeviceFlow{vm, selection.spec_source, config, root, unavailable, preferred});
    };
    // Only a VM that asks for GPUs or host devices needs exclusive units; the
    // others never touch the allocation state, so its faults cannot stop them.
    auto& plan = work.plan;
    plan = read_device_requests(vm, selection.spec_source).empty()
               ? plan_for({}, {})
               : plan_exclusive(Claimant{facts.container_id, facts.container_dir, vm.name},
                                AllocationOptions{config.state_dir, allocation_lock_wait(config),
                                                  options.hook_binary.empty() ? host::self_executable()
                                                                              : options.hook_binary,
                                                  options.debug_stall_after_claim},
                                plan_for);

    log_plan(who, plan);
    if (!plan.ok()) {
        Error refusal = plan.refusals.front();
        refusal.context("refusing to start VM " + text::quoted(vm.name));
        throw refusal;
    }
    bool logged = false;
    if (partial && partial->load_for_patch(launcher_extra_syscalls())) {
        patch_config(oci_config, plan.patch, who, true, &*partial);
        if (auto output = partial->write_back()) return *output;
        logged = true;
    }
    // The patch is pure, so redoing it on the whole config after the
    // allocation is safe; it happens only when the fast path cannot place a change.
    if (partial) whole = parse_whole(input, config);
    patch_config(whole, plan.patch, who, !logged, nullptr);
    return json::dump(whole) + "\n";
}

}  // namespace

std::string run_precreate(std::string_view input, const RunOptions& options, const HookConfig& config) {
    auto work = std::make_unique<PrecreateWork>();
    auto output = run_precreate(input, options, config, *work);
    if (options.exits_after) (void)work.release();  // see RunOptions::exits_after
    return output;
}

}  // namespace kvpod::hook
