// SPDX-License-Identifier: Apache-2.0
// oci-kubevirt-hook: a Podman precreate hook that gives a KubeVirt VM's
// compute container the host devices its VM needs, and the runtime hooks
// (createRuntime, poststop) that keep those devices exclusive to it.
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "build_config.hpp"
#include "core/error.hpp"
#include "hook/command_line.hpp"
#include "host/deadline.hpp"
#include "host/files.hpp"
#include "host/log.hpp"

namespace {

constexpr const char* kIdent = "oci-kubevirt-hook";

/// Runs `body`, logging an Error or anything else it throws; returns its
/// status, or `failed` when it threw.
template <typename Body>
int logged(int failed, Body&& body) {
    try {
        return body();
    } catch (const kvpod::Error& e) {
        kvpod::log::error(e.message());
    } catch (const std::exception& e) {
        kvpod::log::error(std::string("internal error: ") + e.what());
    }
    return failed;
}

int precreate(const kvpod::hook::RunOptions& options) {
    using namespace kvpod;
    return logged(1, [&] {
        // Armed before anything is read, re-armed with the configured value.
        host::arm_deadline(hook::HookConfig{}.deadline_seconds, kIdent);
        auto config = hook::load_config(options.config_path, options.config_cache_dir);
        host::arm_deadline(config.deadline_seconds, kIdent);
        auto input = host::read_stream(stdin, config.config_limits.max_bytes, "stdin");
        auto output = hook::run_precreate(input, options, config);
        host::write_stdout(output);
        // Every start of a VM container waits for this process: skip freeing
        // the config's tree object by object, the kernel takes it back whole.
        // (The allocation lock was given back when the claim was written.)
        std::_Exit(0);
        return 0;
    });
}

int runtime_hook(kvpod::hook::RuntimeStage stage, const std::string& state_dir) {
    using namespace kvpod;
    // poststop must never fail `podman rm`.
    int failed = stage == hook::RuntimeStage::Poststop ? 0 : 1;
    return logged(failed, [&] {
        auto input = host::read_stream(stdin, 1024 * 1024, "stdin");
        return hook::run_runtime_hook(stage, input, state_dir);
    });
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kvpod;
    hook::CommandLine line;
    try {
        line = hook::parse_command_line(argc, argv, KVPOD_HOOK_CONFIG_PATH);
    } catch (const Error& e) {
        // A wrong argv in a hooks.d file: Podman discards stderr, syslog keeps it.
        log::open(kIdent, true);
        log::error(e.message());
        return EX_USAGE;
    }
    switch (line.command) {
    case hook::Command::Help: std::fputs(hook::usage(KVPOD_HOOK_CONFIG_PATH).c_str(), stdout); return 0;
    case hook::Command::Version: std::puts(KVPOD_VERSION); return 0;
    case hook::Command::Plan:
        log::open(kIdent, true, false);
        return logged(1, [&] {
            return hook::run_plan(hook::PlanOptions{line.run.host_root, line.run.config_path, line.vm_file, line.instancetype_file, line.preference_file});
        });
    case hook::Command::RuntimeHook:
        log::open(kIdent, line.log_stderr || ::isatty(STDERR_FILENO));
        return runtime_hook(line.stage, line.state_dir);
    case hook::Command::Precreate: break;
    }
    log::open(kIdent, line.log_stderr || ::isatty(STDERR_FILENO));
    line.run.exits_after = true;  // precreate() ends with _Exit
    return precreate(line.run);
}
