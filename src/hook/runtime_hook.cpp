// SPDX-License-Identifier: Apache-2.0
#include "hook/runtime_hook.hpp"

#include <chrono>

#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "core/oci_state.hpp"
#include "core/text.hpp"
#include "host/allocation_store.hpp"
#include "host/host_root.hpp"
#include "host/log.hpp"
#include "host/process.hpp"

namespace kvpod::hook {
namespace {

// Both below the runtime's timeout for the hook (allocate.cpp), so the hook
// says why it gave up instead of being killed.
constexpr std::chrono::milliseconds kCreateRuntimeLockWait{5000};
constexpr std::chrono::milliseconds kPoststopLockWait{3000};

std::string who(const std::string& id) { return "container " + id.substr(0, 12); }

void create_runtime(const oci::RuntimeState& state, const std::string& state_dir) {
    host::HostRoot proc_root("/");
    host::ProcessTable processes(proc_root);
    auto init = processes.find(state.pid);
    if (!init)
        throw Error("the container's process " + std::to_string(state.pid) + " is gone", "state:/pid",
                    "start the container again");
    host::AllocationStore store(state_dir, processes.boot_id());
    store.lock(kCreateRuntimeLockWait);
    auto found = survey(store.read_records(), state.id, processes);
    for (const auto& note : store.take_notes()) log::warning(note);
    for (const auto& note : found.notes) log::warning(note);
    auto bound = bind_to_container(found, *init, state.bundle);
    if (!bound) {
        log::warning(who(state.id) + ": createRuntime: no device claim to keep");
        return;
    }
    store.write(*bound);
    log::info(who(state.id) + ": " + text::join(bound->units, ", ") + " bound to pid " + std::to_string(init->pid));
}

void poststop(const oci::RuntimeState& state, const std::string& state_dir) {
    host::HostRoot proc_root("/");
    host::ProcessTable processes(proc_root);
    host::AllocationStore store(state_dir, processes.boot_id());
    store.lock(kPoststopLockWait);
    auto found = survey(store.read_records(), state.id, processes);
    for (const auto& note : store.take_notes()) log::warning(note);
    auto released = release(found, processes);
    if (!released) return;
    store.write(*released);
    log::info(who(state.id) + ": released " + text::join(released->units, ", "));
}

}  // namespace

int run_runtime_hook(RuntimeStage stage, std::string_view state_json, const std::string& state_dir) {
    bool create = stage == RuntimeStage::CreateRuntime;
    std::string id;
    try {
        auto state = with_context("reading the runtime state from stdin", [&] { return oci::parse_runtime_state(state_json); });
        id = state.id;
        if (create)
            with_context(who(id) + ": createRuntime: keeping its devices", [&] { create_runtime(state, state_dir); });
        else
            with_context(who(id) + ": poststop: releasing its devices", [&] { poststop(state, state_dir); });
        return 0;
    } catch (const Error& e) {
        if (create) {
            log::error(e.message());
            return 1;
        }
        log::warning(e.message() + " (left to liveness: the claim ends with the container's process)");
        return 0;
    } catch (const std::exception& e) {
        log::error(std::string("internal error: ") + e.what());
        return create ? 1 : 0;
    }
}

}  // namespace kvpod::hook
