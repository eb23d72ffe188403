// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"

/// The pure half of `kubevirt-vm-to-pod console VM`: which container and
/// socket serve a VM's serial console, what Podman says about them, how the
/// detach key is found, and the messages for what can go wrong. The host
/// half (podman, the socket, the terminal) is host/serial_console.hpp.
///
/// KubeVirt's domain binds serial0 to a unix socket, QEMU listening, at
/// /var/run/kubevirt-private/<VMI uid>/virt-serial0 (virtwrap/converter/
/// compute/console.go); the converter mounts an emptyDir there, so the
/// socket is in a Podman volume the host reaches.
namespace kvpod::console {

/// Where the compute container mounts the virt-private volume (KubeVirt's
/// util.VirtPrivateDir, the converter's "private" emptyDir).
inline constexpr std::string_view kPrivateDir = "/var/run/kubevirt-private";
/// The socket's name in <kPrivateDir>/<uid>/.
inline constexpr std::string_view kSerialSocketName = "virt-serial0";
/// Ctrl+], the byte a terminal sends for it; virsh's escape too.
inline constexpr char kEscapeByte = 0x1d;

/// virt-launcher-<vm>-compute: kube play names a container <pod>-<container>.
std::string compute_container(const std::string& vm);

/// The value of virt-launcher's Go flag `name` in a container's inspected
/// Args (-name V, --name V, -name=V, --name=V); list and status read it too.
std::optional<std::string> launcher_flag(const document::Json& args, std::string_view name);

/// The argv of the `podman container inspect` that reads what console needs.
std::vector<std::string> inspect_command(const std::string& podman, const std::string& vm);

/// What `podman container inspect` says about the compute container.
struct ComputeContainer {
    std::string status;        ///< Podman's state: running, exited, paused, ...
    std::string private_dir;   ///< the host directory behind kPrivateDir ("" when none is mounted)
    std::string uid;           ///< the VMI's uid, virt-launcher's --uid ("" when the VMI has none)
    std::optional<std::string> namespace_name;  ///< virt-launcher's --namespace
};

/// Reads the inspect output (one JSON object, from inspect_command's
/// template). An Error naming the container when it is not that.
ComputeContainer parse_inspect(std::string_view output, const std::string& container);

/// The outcome of a `podman container inspect` that did not exit 0.
Error inspect_failed(const std::string& vm, int exit_status, std::string_view podman_stderr);

/// Checks what inspect said: the container runs, mounts the private volume,
/// runs the VM of `namespace_name` (when one is given), and its uid is one
/// path component. An Error saying what to do otherwise.
void check_attachable(const ComputeContainer& container, const std::string& vm, const std::string& namespace_name);

/// The socket's path below the private directory: <uid>/virt-serial0, or
/// virt-serial0 when the VMI has no uid (KubeVirt joins an empty uid away).
std::string serial_socket_relative(const ComputeContainer& container);

/// Why connecting to the socket failed, as host/serial_console.hpp sees it.
enum class SocketProblem {
    no_directory,  ///< the private directory itself is gone
    missing,       ///< no socket there (yet)
    not_socket,    ///< something else, a symlink included, is at the path
    refused,       ///< nothing listens
    busy,          ///< the listener's queue is full: QEMU serves one client, and one more waits
    other,         ///< any other errno
};

/// What an error about one of QEMU's sockets in the VM's private volume
/// says: the serial console's and the VNC display's differ only in these.
struct SocketWording {
    const char* socket;      ///< "the serial console socket"
    const char* missing;     ///< the error when there is none (yet)
    const char* left_out;    ///< when the VMI has no such device
    const char* command;     ///< who follows no symbolic link: "the console"
    const char* busy;        ///< the error when QEMU serves another client
    const char* busy_fix;    ///< and what to do then
    const char* run_as;      ///< who should run as the Pod's user: "run the console"
};

/// The Error for `problem` at the socket `path` of VM `vm`, worded for the
/// device; `detail` is the system's text for the errno (strerror), shown for
/// `other`.
Error socket_error(SocketProblem problem, const std::string& path, const std::string& vm, const std::string& detail,
                   const SocketWording& wording);

/// The Error for `problem` at the serial console's socket.
Error socket_error(SocketProblem problem, const std::string& path, const std::string& vm, const std::string& detail);

/// Bytes typed at the console: what to send to the guest before the detach
/// key, and whether the key was typed.
struct TypedInput {
    std::string_view to_guest;
    bool detach = false;
};

/// Splits `typed` at the first kEscapeByte; with `escape_enabled` false (stdin
/// is no terminal) every byte goes to the guest.
TypedInput scan_typed(std::string_view typed, bool escape_enabled);

/// "2", "0.5", "10.25": seconds with up to three decimals, as milliseconds;
/// nullopt for anything else or more than a day.
std::optional<int> parse_seconds(std::string_view text);

/// What a terminal user sees on stderr when attached.
std::string connected_line(const std::string& vm);

}  // namespace kvpod::console
