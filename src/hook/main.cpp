// SPDX-License-Identifier: Apache-2.0
// oci-kubevirt-hook: a Podman precreate hook that gives a KubeVirt VM's
// compute container the host devices its VM needs.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "build_config.hpp"
#include "core/error.hpp"
#include "hook/plan_command.hpp"
#include "hook/precreate.hpp"
#include "host/deadline.hpp"
#include "host/files.hpp"
#include "host/log.hpp"

namespace {

constexpr const char* kIdent = "oci-kubevirt-hook";

}  // namespace

int main(int argc, char** argv) {
    using namespace kvpod;
    CLI::App app{"Podman precreate hook: gives a KubeVirt VM's compute container its host devices", kIdent};
    hook::RunOptions options;
    options.config_path = KVPOD_HOOK_CONFIG_PATH;
    bool log_stderr = false;
    app.add_option("--host-root", options.host_root, "Look for host devices under this directory")->capture_default_str();
    app.add_option("--config", options.config_path, "The hook's configuration file")->capture_default_str();
    app.add_flag("--log-stderr", log_stderr, "Also log to stderr (Podman discards it; syslog has everything)");
    app.set_version_flag("--version", KVPOD_VERSION);
    hook::PlanOptions plan_options;
    auto* plan = app.add_subcommand("plan", "Show what the hook would give a VM on this host, and why");
    plan->add_option("--host-root", options.host_root, "Look for host devices under this directory");
    plan->add_option("--config", options.config_path, "The hook's configuration file");
    plan->add_option("VMFILE", plan_options.vm_file, "A VirtualMachine or VirtualMachineInstance (YAML or JSON)")
        ->required();
    CLI11_PARSE(app, argc, argv);

    if (*plan) {
        log::open(kIdent, true, false);
        plan_options.host_root = options.host_root;
        plan_options.config_path = options.config_path;
        try {
            return hook::run_plan(plan_options);
        } catch (const Error& e) {
            log::error(e.message());
            return 1;
        } catch (const std::exception& e) {
            log::error(std::string("internal error: ") + e.what());
            return 1;
        }
    }
    log::open(kIdent, log_stderr || ::isatty(STDERR_FILENO));
    try {
        // Armed before anything is read, re-armed with the configured value.
        host::arm_deadline(hook::HookConfig{}.deadline_seconds, kIdent);
        auto config = hook::load_config(options.config_path);
        host::arm_deadline(config.deadline_seconds, kIdent);
        auto input = host::read_stream(stdin, config.config_limits.max_bytes, "stdin");
        auto output = hook::run_precreate(input, options, config);
        host::write_stdout(output);
        // Every start of a VM container waits for this process: skip freeing
        // the config's tree object by object, the kernel takes it back whole.
        std::_Exit(0);
    } catch (const Error& e) {
        log::error(e.message());
        return 1;
    } catch (const std::exception& e) {
        log::error(std::string("internal error: ") + e.what());
        return 1;
    }
}
