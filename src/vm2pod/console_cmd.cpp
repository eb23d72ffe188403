// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/console_cmd.hpp"

#include <unistd.h>

#include <cstring>

#include "core/error.hpp"
#include "core/serial_console.hpp"
#include "host/fd.hpp"
#include "host/run_program.hpp"
#include "host/serial_console.hpp"

namespace kvpod::vm2pod {
namespace {

int attach(const ConsoleOptions& options, int socket_fd) {
    const bool terminal = host::is_terminal(STDIN_FILENO);
    host::RelaySettings settings{terminal, options.idle_ms};
    host::RelayResult result;
    if (terminal) {
        host::write_stderr(console::connected_line(options.vm));
        host::RawTerminal raw(STDIN_FILENO);
        result = host::relay_console(STDIN_FILENO, STDOUT_FILENO, socket_fd, settings);
    } else {
        result = host::relay_console(STDIN_FILENO, STDOUT_FILENO, socket_fd, settings);
    }
    // A terminal's cursor is wherever the guest left it: the next prompt
    // starts on a line of its own.
    if (terminal) host::write_stderr(result.end == host::RelayEnd::console_closed
                                         ? "\nThe serial console closed: VM " + options.vm + " stopped.\n"
                                         : std::string("\n"));
    return result.end == host::RelayEnd::signalled ? 128 + result.signal : 0;
}

}  // namespace

console::ComputeContainer find_compute_container(const std::string& vm, const std::string& namespace_name,
                                                 const std::string& podman) {
    host::ProgramOutput inspected;
    try {
        inspected = host::run_program(console::inspect_command(podman, vm));
    } catch (Error& e) {
        e.fix("install Podman, or name it with --podman");
        throw;
    }
    if (inspected.exit_status != 0) throw console::inspect_failed(vm, inspected.exit_status, inspected.err);
    auto container = console::parse_inspect(inspected.out, console::compute_container(vm));
    console::check_attachable(container, vm, namespace_name);
    return container;
}

int run_console(const ConsoleOptions& options) {
    return with_context("console", [&] {
        auto container = find_compute_container(options.vm, options.namespace_name, options.podman);
        std::string relative = console::serial_socket_relative(container);
        auto connection = host::connect_socket_beneath(container.private_dir, relative);
        if (connection.fd < 0)
            throw console::socket_error(connection.problem, container.private_dir + "/" + relative, options.vm,
                                        std::strerror(connection.error_number));
        host::Fd socket(connection.fd);
        return attach(options, socket.fd);
    });
}

}  // namespace kvpod::vm2pod
