// SPDX-License-Identifier: Apache-2.0
// kubevirt-vm-to-pod: turns a KubeVirt VirtualMachine into a Pod that
// `podman kube play` runs with virt-launcher in standalone mode.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "build_config.hpp"
#include "core/error.hpp"
#include "host/files.hpp"
#include "vm2pod/console_cmd.hpp"
#include "vm2pod/convert_cmd.hpp"

int main(int argc, char** argv) {
    using namespace kvpod;
    CLI::App app{"Convert a KubeVirt VirtualMachine (or VirtualMachineInstance) into a Pod for podman kube play",
                 "kubevirt-vm-to-pod"};
    vm2pod::CommandOptions options;
    std::string vm_file;
    bool no_passt = false;
    app.add_option("file", options.input, "The VM or VMI (YAML or JSON); - or nothing reads stdin");
    app.add_option("--vm-file", vm_file, "The VM or VMI, as the positional argument");
    app.add_option("--instancetype-file", options.instancetype_file, "The instancetype the VM names");
    app.add_option("--preference-file", options.preference_file, "The preference the VM names");
    app.add_option("--launcher-image", options.convert.launcher_image, "virt-launcher image")->capture_default_str();
    app.add_flag("--no-passt", no_passt, "Keep the VM's own network binding instead of passt");
    app.add_flag("--mount-devices{true}", options.convert.mount_devices,
                 "Write this host's device nodes into the Pod (for hosts without the hook)");
    app.add_flag("--add-console-proxy", options.convert.console_proxy, "Add the serial console proxy container");
    app.add_option("--proxy-image", options.convert.proxy_image, "Console proxy image")->capture_default_str();
    app.add_option("--proxy-port", options.convert.proxy_port, "Console proxy port")->capture_default_str();
    app.add_option("--output,-o", options.output, "yaml or json")->capture_default_str();
    app.add_option("--podman-version", options.podman_version,
                   "The Podman that plays the Pod (before 5.3: containerDisks as image-driver volumes)")
        ->capture_default_str();
    app.add_option("--host-root", options.host_root, "Where --mount-devices looks for /dev and /sys (for tests)")
        ->capture_default_str();
    options.hook_config = KVPOD_HOOK_CONFIG_PATH;
    auto* hook_config = app.add_option("--hook-config", options.hook_config,
                   "The hook's configuration, which --mount-devices follows for GPUs and host devices")
        ->capture_default_str();
    app.set_version_flag("--version", KVPOD_VERSION);
    // The prior tool's subcommand: scripts that call it keep working.
    vm2pod::ConsoleOptions console;
    auto* console_cmd = app.add_subcommand("console", "Attach to a running VM's serial console (Ctrl+] detaches)");
    console_cmd->add_option("vm", console.vm, "The VM's name")->required();
    console_cmd->add_option("--namespace", console.namespace_name, "The VM's namespace")->capture_default_str();
    console_cmd->add_option("--podman", console.podman, "The podman command")->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line and status 1, like every other error of the converter.
        std::fprintf(stderr, "kubevirt-vm-to-pod: error: %s; see kubevirt-vm-to-pod --help\n", e.what());
        return 1;
    }
    options.convert.passt = !no_passt;
    options.hook_config_given = hook_config->count() > 0;

    try {
        if (console_cmd->parsed()) {
            console.terminal = ::isatty(STDIN_FILENO);
            vm2pod::exec_console(console);
        }
        if (!vm_file.empty()) {
            if (!options.input.empty() && options.input != vm_file)
                throw Error("two inputs: " + options.input + " and --vm-file " + vm_file, "command line", "give one");
            options.input = vm_file;
        }
        auto output = vm2pod::run_convert(options, stdin);
        std::fputs(vm2pod::format_stderr(output).c_str(), stderr);
        host::write_stdout(output.text);
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "kubevirt-vm-to-pod: error: %s\n", e.message().c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kubevirt-vm-to-pod: internal error: %s\n", e.what());
        return 1;
    }
}
