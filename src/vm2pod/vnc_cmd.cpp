// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/vnc_cmd.hpp"

#include <cstring>

#include "core/error.hpp"
#include "core/png.hpp"
#include "core/vnc.hpp"
#include "host/fd.hpp"
#include "host/files.hpp"
#include "host/serial_console.hpp"
#include "host/vnc_relay.hpp"
#include "vm2pod/console_cmd.hpp"

namespace kvpod::vm2pod {
namespace {

struct Display {
    std::string dir;       ///< the private volume's host directory
    std::string relative;  ///< <uid>/virt-vnc
    std::string path() const { return dir + "/" + relative; }
};

Display find_display(const std::string& vm, const std::string& namespace_name, const std::string& podman) {
    auto container = find_compute_container(vm, namespace_name, podman);
    return {container.private_dir, vnc::socket_relative(container)};
}

host::SocketConnection connect(const Display& display) {
    return host::connect_socket_beneath(display.dir, display.relative);
}

Error failure(const Display& display, const std::string& vm, const host::SocketConnection& connection) {
    return vnc::socket_error(connection.problem, display.path(), vm, std::strerror(connection.error_number));
}

}  // namespace

int run_vnc(const VncOptions& options) {
    return with_context("vnc", [&] {
        auto address = vnc::parse_listen(options.listen);
        Display display = find_display(options.vm, options.namespace_name, options.podman);
        {
            // The socket must be there before anyone is told to connect.
            auto probe = connect(display);
            if (probe.fd < 0) throw failure(display, options.vm, probe);
            host::Fd close_it(probe.fd);
        }
        auto listener = host::listen_tcp(address);
        host::Fd listening(listener.fd);
        if (!vnc::is_loopback(listener.address)) host::write_stderr(vnc::exposed_warning(listener.address, options.vm));
        host::write_stderr("Relaying VM " + options.vm + "'s VNC display on " + vnc::to_string(listener.address) +
                           " (vncviewer " + (listener.address.ipv6 ? "[" + listener.address.host + "]" : listener.address.host) +
                           "::" + std::to_string(listener.address.port) + "); Ctrl+C ends\n");
        host::write_stdout(vnc::to_string(listener.address) + "\n");
        host::VncServeHooks hooks;
        hooks.connect = [&] { return connect(display); };
        hooks.failure = [&](const host::SocketConnection& c) { return failure(display, options.vm, c); };
        hooks.notice = [&](const std::string& line) { host::write_stderr(line + "\n"); };
        host::serve_vnc(listening.fd, hooks);
        return 0;
    });
}

int run_screenshot(const ScreenshotOptions& options) {
    return with_context("screenshot", [&] {
        Display display = find_display(options.vm, options.namespace_name, options.podman);
        auto connection = connect(display);
        if (connection.fd < 0) throw failure(display, options.vm, connection);
        host::Fd socket(connection.fd);
        vnc::Image image = host::read_screen(socket.fd, options.timeout_ms);
        host::write_file_whole(options.file, png::encode(image));
        host::write_stderr(std::to_string(image.width) + "x" + std::to_string(image.height) + " " + options.file + "\n");
        return 0;
    });
}

}  // namespace kvpod::vm2pod
