// SPDX-License-Identifier: Apache-2.0
#include "core/serial_console.hpp"

#include "core/document.hpp"
#include "core/kubevirt/names.hpp"
#include "core/text.hpp"

namespace kvpod::console {
namespace {

using document::Json;

// One JSON object whatever the paths hold; only the fields console reads.
// `json` and these fields are in Podman 4.0 through 5.x.
constexpr const char* kInspectTemplate =
    R"({"status":{{json .State.Status}},"mounts":{{json .Mounts}},"args":{{json .Args}}})";

std::string last_line(std::string_view text) {
    auto lines = text::split(text::trim(text), '\n');
    return lines.empty() ? std::string() : text::trim(lines.back());
}

}  // namespace

std::optional<std::string> launcher_flag(const Json& args, std::string_view name) {
    if (!args.is_array()) return std::nullopt;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (!args[i].is_string()) continue;
        std::string_view arg = args[i].get_ref<const std::string&>();
        if (text::starts_with(arg, "--")) arg.remove_prefix(2);
        else if (text::starts_with(arg, "-")) arg.remove_prefix(1);
        else continue;
        if (arg == name) {
            if (i + 1 < args.size() && args[i + 1].is_string()) return args[i + 1].get<std::string>();
            return std::nullopt;
        }
        if (text::starts_with(arg, name) && arg.size() > name.size() && arg[name.size()] == '=')
            return std::string(arg.substr(name.size() + 1));
    }
    return std::nullopt;
}

std::string compute_container(const std::string& vm) { return kubevirt::launcher_pod_name(vm) + "-compute"; }

std::vector<std::string> inspect_command(const std::string& podman, const std::string& vm) {
    return {podman, "container", "inspect", "--format", kInspectTemplate, compute_container(vm)};
}

ComputeContainer parse_inspect(std::string_view output, const std::string& container) {
    const std::string source = "podman container inspect " + container;
    Json doc = with_context("reading what " + source + " printed", [&] {
        return document::parse_json(text::trim(output), source);
    });
    if (!doc.is_object() || !doc["status"].is_string())
        throw Error("podman container inspect printed no state for " + container, "",
                    "is --podman a Podman 4 or later?");
    ComputeContainer out;
    out.status = doc["status"].get<std::string>();
    if (doc["mounts"].is_array())
        for (const auto& mount : doc["mounts"])
            if (mount.is_object() && mount.value("Destination", "") == kPrivateDir && mount["Source"].is_string())
                out.private_dir = mount["Source"].get<std::string>();
    out.uid = launcher_flag(doc["args"], "uid").value_or("");
    out.namespace_name = launcher_flag(doc["args"], "namespace");
    return out;
}

Error inspect_failed(const std::string& vm, int exit_status, std::string_view podman_stderr) {
    const std::string container = compute_container(vm);
    if (text::to_lower(podman_stderr).find("no such container") != std::string::npos)
        return Error("VM " + vm + " is not running on this host: Podman has no container " + container, "",
                     "start its Pod: kubevirt-vm-to-pod VM-FILE > POD.yaml && podman kube play POD.yaml "
                     "(podman pod ps lists the Pods there are)");
    std::string said = last_line(podman_stderr);
    return Error("podman container inspect " + container + " failed (exit " + std::to_string(exit_status) + ")" +
                     (said.empty() ? std::string() : ": " + said),
                 "", "check that Podman works: podman ps");
}

void check_attachable(const ComputeContainer& container, const std::string& vm, const std::string& namespace_name) {
    const std::string name = compute_container(vm);
    if (container.status == "paused")
        throw Error("VM " + vm + " is paused: its compute container " + name + " is paused", "",
                    "resume it: podman pod unpause " + kubevirt::launcher_pod_name(vm));
    if (container.status != "running")
        throw Error("VM " + vm + " is not running: its compute container " + name + " is " + container.status, "",
                    "see why: podman logs " + name + "; start it again: podman pod start " + kubevirt::launcher_pod_name(vm));
    if (!namespace_name.empty() && container.namespace_name && *container.namespace_name != namespace_name)
        throw Error(name + " runs VM " + vm + " of namespace '" + *container.namespace_name + "', not '" +
                        namespace_name + "'",
                    "", "give --namespace " + *container.namespace_name + ", or none");
    if (container.private_dir.empty())
        throw Error(name + " mounts no volume at " + std::string(kPrivateDir) +
                        ", where virt-launcher puts the serial console's socket",
                    "", "attach to a VM whose Pod kubevirt-vm-to-pod wrote");
    const std::string& uid = container.uid;
    if (uid == "." || uid == ".." || uid.find('/') != std::string::npos || uid.find('\0') != std::string::npos)
        throw Error("the VMI uid " + text::quoted(uid) + " that " + name + " runs with is not one path component", "",
                    "give the VMI a uid without '/' (KubeVirt's are UUIDs)");
}

std::string serial_socket_relative(const ComputeContainer& container) {
    std::string name(kSerialSocketName);
    return container.uid.empty() ? name : container.uid + "/" + name;
}

Error socket_error(SocketProblem problem, const std::string& path, const std::string& vm, const std::string& detail,
                   const SocketWording& w) {
    const std::string container = compute_container(vm);
    const std::string socket = w.socket;
    switch (problem) {
    case SocketProblem::no_directory:
        return Error("the VM's private volume directory is gone", path,
                     "was the Pod removed? podman pod ps lists the Pods there are");
    case SocketProblem::missing:
        return Error(w.missing, path,
                     "QEMU has not started yet: try again in a few seconds (podman logs " + container +
                         " shows virt-launcher's progress); " + w.left_out);
    case SocketProblem::not_socket:
        return Error(std::string("is not a socket (") + w.command + " follows no symbolic link in the VM's volume)", path,
                     "restart the VM: podman pod restart " + kubevirt::launcher_pod_name(vm));
    case SocketProblem::refused:
        return Error("nothing accepts connections on " + socket + " (connection refused)", path,
                     "QEMU has stopped: is the VM shutting down? podman logs " + container);
    case SocketProblem::busy: return Error(w.busy, path, w.busy_fix);
    case SocketProblem::other: break;
    }
    return Error("cannot connect to " + socket + ": " + detail, path,
                 std::string(w.run_as) + " as the user that runs the Pod (root for rootful Podman)");
}

Error socket_error(SocketProblem problem, const std::string& path, const std::string& vm, const std::string& detail) {
    static constexpr SocketWording kSerialConsole{
        "the serial console socket",
        "no serial console socket yet",
        "a VM with autoattachSerialConsole: false has none",
        "the console",
        "the serial console is busy: another console is attached and one more waits for it",
        "detach one of them (Ctrl+]) and try again",
        "run the console",
    };
    return socket_error(problem, path, vm, detail, kSerialConsole);
}

TypedInput scan_typed(std::string_view typed, bool escape_enabled) {
    auto at = escape_enabled ? typed.find(kEscapeByte) : std::string_view::npos;
    if (at == std::string_view::npos) return {typed, false};
    return {typed.substr(0, at), true};
}

std::optional<int> parse_seconds(std::string_view text) {
    auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 5 || (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 3)))
        return std::nullopt;
    auto seconds = text::parse_u64(whole);
    auto thousandths = fraction.empty() ? std::optional<std::uint64_t>(0) : text::parse_u64(fraction);
    if (!seconds || !thousandths) return std::nullopt;
    std::uint64_t scale = fraction.size() == 1 ? 100 : fraction.size() == 2 ? 10 : 1;
    std::uint64_t ms = *seconds * 1000 + *thousandths * scale;
    if (ms > 86'400'000) return std::nullopt;
    return static_cast<int>(ms);
}

std::string connected_line(const std::string& vm) {
    return "Connected to VM " + vm + " (serial console); escape character is ^]\n";
}

}  // namespace kvpod::console
