// SPDX-License-Identifier: Apache-2.0
#include "hook/allocate.hpp"

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "core/text.hpp"
#include "host/allocation_store.hpp"
#include "host/host_root.hpp"
#include "host/log.hpp"
#include "host/process.hpp"

namespace kvpod::hook {
namespace {

using Clock = std::chrono::steady_clock;

std::string millis(Clock::duration d) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    return std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " ms";
}

/// runc kills a runtime hook after this; the hooks themselves give up sooner.
constexpr int kRuntimeHookTimeout = 10;

std::string who(const std::string& id) { return "container " + (id.empty() ? std::string("(unknown id)") : id.substr(0, 12)); }

}  // namespace

std::vector<oci::RuntimeHook> allocation_runtime_hooks(const std::string& hook_binary, const std::string& state_dir) {
    auto hook = [&](const char* stage, const char* subcommand) {
        return oci::RuntimeHook{stage, hook_binary,
                                {"oci-kubevirt-hook", "runtime-hook", subcommand, "--state-dir", state_dir},
                                kRuntimeHookTimeout};
    };
    return {hook("createRuntime", "create-runtime"), hook("poststop", "poststop")};
}

DevicePlan plan_exclusive(const Claimant& claimant, const AllocationOptions& options, const UnitPlanner& planner) {
    return with_context("allocating passthrough devices", [&] {
        if (!valid_container_id(claimant.container_id))
            throw Error("cannot tell the container's id from the runtime config (linux.cgroupsPath, the "
                        "/run/.containerenv mount)",
                        "config.json", "devices are only handed out to containers Podman starts");
        host::HostRoot proc_root("/");
        host::ProcessTable processes(proc_root);
        auto podman = host::parent_process(processes);
        host::AllocationStore store(options.state_dir, processes.boot_id());
        auto asked = Clock::now();
        store.lock(options.lock_wait);
        auto locked = Clock::now();

        auto found = survey(store.read_records(), claimant.container_id, processes);
        for (const auto& note : store.take_notes()) log::warning(note);
        for (const auto& note : found.notes) log::warning(note);
        for (const auto& name : found.obsolete) store.remove(name);

        DevicePlan plan = planner(found.unavailable, found.preferred);
        auto timing = [&] {
            return "waited " + millis(locked - asked) + " for the lock, held it " + millis(Clock::now() - locked);
        };
        if (!plan.ok()) {
            for (const auto& line : describe_holders(found)) log::info(who(claimant.container_id) + ": in use: " + line);
            log::info(who(claimant.container_id) + ": claimed nothing (" + timing() + ")");
            return plan;
        }
        if (plan.claimed_units.empty()) {
            // Nothing to hold: end a claim this container still had.
            if (found.own && is_live(*found.own, processes)) {
                auto stopped = *found.own;
                stopped.state = ClaimState::Stopped;
                stopped.owner.reset();
                store.write(stopped);
            }
            return plan;
        }
        auto record = pending_claim(found, claimant.container_id, plan.claimed_units, podman, claimant.container_dir,
                                    claimant.vm);
        store.write(record);
        log::info(who(claimant.container_id) + ": claimed " + text::join(record.units, ", ") + " (pending, bound to pid " +
                  std::to_string(podman.pid) + "; " + timing() + ")");
        for (auto& hook : allocation_runtime_hooks(options.hook_binary, store.dir())) plan.patch.hooks.push_back(hook);
        if (options.debug_stall_after_claim > 0) {
            log::warning("test-only --debug-stall-after-claim: holding the allocation lock for " +
                         std::to_string(options.debug_stall_after_claim) + " s");
            std::this_thread::sleep_for(std::chrono::seconds(options.debug_stall_after_claim));
        }
        return plan;
    });
}

}  // namespace kvpod::hook
