// SPDX-License-Identifier: Apache-2.0
// kubevirt-vm-to-pod: turns a KubeVirt VirtualMachine into a Pod that
// `podman kube play` runs with virt-launcher in standalone mode.
#include <cstdio>

#include "build_config.hpp"
#include "core/error.hpp"
#include "host/files.hpp"
#include "vm2pod/command_line.hpp"

int main(int argc, char** argv) {
    using namespace kvpod;
    try {
        auto line = vm2pod::parse_command_line(argc, argv, KVPOD_HOOK_CONFIG_PATH);
        switch (line.command) {
        case vm2pod::Command::Help: host::write_stdout(vm2pod::usage(KVPOD_HOOK_CONFIG_PATH)); return 0;
        case vm2pod::Command::Version: host::write_stdout(vm2pod::version_text()); return 0;
        case vm2pod::Command::Console: return vm2pod::run_console(line.console);
        case vm2pod::Command::Lifecycle: return vm2pod::run_lifecycle(line.lifecycle);
        case vm2pod::Command::Install: {
            std::string err;
            std::string out = vm2pod::run_install(line.install, stdin, err);
            std::fputs(err.c_str(), stderr);
            host::write_stdout(out);
            return 0;
        }
        case vm2pod::Command::Uninstall: host::write_stdout(vm2pod::run_uninstall(line.uninstall)); return 0;
        case vm2pod::Command::PodmanSecret: host::write_stdout(vm2pod::run_podman_secret(line.podman_secret)); return 0;
        case vm2pod::Command::Vnc: return vm2pod::run_vnc(line.vnc);
        case vm2pod::Command::Screenshot: return vm2pod::run_screenshot(line.screenshot);
        case vm2pod::Command::Convert: break;
        }
        auto output = vm2pod::run_convert(line.convert, stdin);
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
