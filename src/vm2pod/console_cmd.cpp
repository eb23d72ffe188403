// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/console_cmd.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace kvpod::vm2pod {

std::vector<std::string> console_command(const ConsoleOptions& options) {
    std::vector<std::string> argv = {options.podman, "exec", options.terminal ? "-it" : "-i",
                                     "virt-launcher-" + options.vm + "-compute"};
    // virt-launcher names the libvirt domain <namespace>_<name>.
    argv.insert(argv.end(), {"virsh", "console", options.namespace_name + "_" + options.vm});
    return argv;
}

void exec_console(const ConsoleOptions& options) {
    if (options.vm.empty()) throw Error("no VM named", "console", "give the VM's name: kubevirt-vm-to-pod console VM");
    auto args = console_command(options);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    throw Error(std::string("cannot run ") + options.podman + ": " + std::strerror(errno), "console",
                "install Podman, or name it with --podman");
}

}  // namespace kvpod::vm2pod
