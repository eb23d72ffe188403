// SPDX-License-Identifier: Apache-2.0
// oci-kubevirt-hook: a Podman precreate hook that gives a KubeVirt VM's
// compute container the host devices its VM needs, and the runtime hooks
// (createRuntime, poststop) that keep those devices exclusive to it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "build_config.hpp"
#include "core/error.hpp"
#include "hook/plan_command.hpp"
#include "hook/precreate.hpp"
#include "hook/runtime_hook.hpp"
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
    CLI::App app{"Podman precreate hook: gives a KubeVirt VM's compute container its host devices", kIdent};
    hook::RunOptions options;
    options.config_path = KVPOD_HOOK_CONFIG_PATH;
    options.exits_after = true;  // precreate() ends with _Exit
    bool log_stderr = false;
    app.add_option("--host-root", options.host_root, "Look for host devices under this directory")->capture_default_str();
    app.add_option("--config", options.config_path, "The hook's configuration file")->capture_default_str();
    app.add_flag("--log-stderr", log_stderr, "Also log to stderr (Podman discards it; syslog has everything)");
    // Test-only (an empty group hides it from --help): set in a test hooks.d
    // file's argv, which only the host's admin controls, never the container.
    app.add_option("--debug-stall-after-claim", options.debug_stall_after_claim,
                   "Test only: hold the allocation lock this many seconds after claiming devices")
        ->group("");
    app.add_option("--config-cache-dir", options.config_cache_dir,
                   "Where the parsed configuration is kept between starts (\"\" parses it every time)")
        ->group("");
    app.set_version_flag("--version", KVPOD_VERSION);

    hook::PlanOptions plan_options;
    auto* plan = app.add_subcommand("plan", "Show what the hook would give a VM on this host, and why");
    plan->add_option("--host-root", options.host_root, "Look for host devices under this directory");
    plan->add_option("--config", options.config_path, "The hook's configuration file");
    plan->add_option("VMFILE", plan_options.vm_file, "A VirtualMachine or VirtualMachineInstance (YAML or JSON)")
        ->required();

    auto* runtime = app.add_subcommand("runtime-hook", "Run as an OCI runtime hook (added to the config by the precreate hook)");
    hook::RuntimeStage stage = hook::RuntimeStage::CreateRuntime;
    std::string state_dir;
    const std::map<std::string, hook::RuntimeStage> stages = {{"create-runtime", hook::RuntimeStage::CreateRuntime},
                                                               {"poststop", hook::RuntimeStage::Poststop}};
    runtime->add_option("stage", stage, "create-runtime or poststop")
        ->required()
        ->transform(CLI::CheckedTransformer(stages, CLI::ignore_case));
    runtime->add_option("--state-dir", state_dir, "The allocation state directory")->required();
    runtime->add_flag("--log-stderr", log_stderr, "Also log to stderr");
    app.require_subcommand(0, 1);
    CLI11_PARSE(app, argc, argv);

    if (*plan) {
        log::open(kIdent, true, false);
        plan_options.host_root = options.host_root;
        plan_options.config_path = options.config_path;
        return logged(1, [&] { return hook::run_plan(plan_options); });
    }
    log::open(kIdent, log_stderr || ::isatty(STDERR_FILENO));
    if (*runtime) return runtime_hook(stage, state_dir);
    return precreate(options);
}
