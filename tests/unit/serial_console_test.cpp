// SPDX-License-Identifier: Apache-2.0
// The pure half of `kubevirt-vm-to-pod console`: the inspect command and
// what it prints, the checks before attaching, the socket's path, the
// messages, the detach key and --idle-timeout's seconds.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/serial_console.hpp"
#include "test_support.hpp"

using namespace kvpod;
using kvpod::testing::error_of;

namespace {

const std::string kContainer = "virt-launcher-myvm-compute";
const std::string kVolume = "/var/lib/containers/storage/volumes/virt-launcher-myvm-private/_data";

/// What Podman 4.3.1 printed for inspect_command's template (one line),
/// with the private volume and the arguments given.
std::string inspect_output(const std::string& status, const std::string& args,
                           const std::string& destination = "/var/run/kubevirt-private") {
    return R"({"status":")" + status +
           R"(","mounts":[{"Type":"volume","Name":"virt-launcher-myvm-public","Source":"/var/lib/containers/storage/volumes/virt-launcher-myvm-public/_data","Destination":"/var/run/kubevirt","Driver":"local","Mode":"","Options":["nosuid","nodev","rbind"],"RW":true,"Propagation":"rprivate"},)"
           R"({"Type":"volume","Name":"virt-launcher-myvm-private","Source":")" + kVolume + R"(","Destination":")" +
           destination + R"(","Driver":"local","Mode":"","Options":["nosuid","nodev","rbind"],"RW":true,"Propagation":"rprivate"}],"args":)" +
           args + "}\n";
}

const std::string kLauncherArgs =
    R"(["--qemu-timeout","240s","--name","myvm","--uid","","--namespace","default","--image-volume"])";

console::ComputeContainer running(std::string uid = "", std::optional<std::string> ns = "default") {
    return {"running", kVolume, std::move(uid), std::move(ns)};
}

}  // namespace

TEST_CASE("the compute container is virt-launcher-<vm>-compute; inspect asks for state, mounts and arguments") {
    CHECK(console::compute_container("myvm") == kContainer);
    CHECK(console::inspect_command("/usr/bin/podman", "myvm") ==
          std::vector<std::string>{"/usr/bin/podman", "container", "inspect", "--format",
                                   R"({"status":{{json .State.Status}},"mounts":{{json .Mounts}},"args":{{json .Args}}})",
                                   kContainer});
}

TEST_CASE("inspect output: state, the private volume's host directory, the VMI uid and namespace") {
    struct Case {
        std::string name;
        std::string output;
        std::string status, private_dir, uid;
        std::optional<std::string> namespace_name;
    };
    const std::vector<Case> cases = {
        {"the converter's Pod, a VMI without uid", inspect_output("running", kLauncherArgs), "running", kVolume, "",
         "default"},
        {"a VMI with a uid", inspect_output("running", R"(["--uid","6a1c-77","--namespace","vms"])"), "running", kVolume,
         "6a1c-77", "vms"},
        {"Go's other flag forms", inspect_output("exited", R"(["-uid=6a1c-77","-namespace","vms"])"), "exited", kVolume,
         "6a1c-77", "vms"},
        {"--uid=", inspect_output("running", R"(["--uid=","--namespace=x"])"), "running", kVolume, "", "x"},
        {"no private volume", inspect_output("running", "[]", "/elsewhere"), "running", "", "", std::nullopt},
        {"no mounts, no arguments (null)", R"({"status":"created","mounts":null,"args":null})", "created", "", "",
         std::nullopt},
        {"a flag without value at the end", inspect_output("running", R"(["--namespace"])"), "running", kVolume, "",
         std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto got = console::parse_inspect(c.output, kContainer);
        CHECK(got.status == c.status);
        CHECK(got.private_dir == c.private_dir);
        CHECK(got.uid == c.uid);
        CHECK(got.namespace_name == c.namespace_name);
    }
}

TEST_CASE("inspect output that is not the template's object is an error naming the container") {
    CHECK(error_of([] { console::parse_inspect(R"({"mounts":[]})", kContainer); }) ==
          "podman container inspect printed no state for virt-launcher-myvm-compute; is --podman a Podman 4 or later?");
    CHECK(error_of([] { console::parse_inspect("[]", kContainer); }) ==
          "podman container inspect printed no state for virt-launcher-myvm-compute; is --podman a Podman 4 or later?");
    CHECK(error_of([] { console::parse_inspect("status: running", kContainer); })
              .rfind("reading what podman container inspect virt-launcher-myvm-compute printed: ", 0) == 0);
}

TEST_CASE("a failed inspect: no such container says how to start the Pod; anything else shows Podman's line") {
    const std::string not_running =
        "VM myvm is not running on this host: Podman has no container virt-launcher-myvm-compute; start its Pod: "
        "kubevirt-vm-to-pod VM-FILE > POD.yaml && podman kube play POD.yaml (podman pod ps lists the Pods there are)";
    struct Case {
        std::string name;
        int status;
        std::string stderr_text;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"Podman 4.3", 125, "Error: inspecting object: no such container virt-launcher-myvm-compute\n", not_running},
        {"Podman 5", 125, "Error: no such container virt-launcher-myvm-compute\n", not_running},
        {"another failure, its last line", 125,
         "time=x level=warning msg=\"something\"\nError: database is locked\n",
         "podman container inspect virt-launcher-myvm-compute failed (exit 125): Error: database is locked; check that "
         "Podman works: podman ps"},
        {"silent", 1, "", "podman container inspect virt-launcher-myvm-compute failed (exit 1); check that Podman works: "
                          "podman ps"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(console::inspect_failed("myvm", c.status, c.stderr_text).message() == c.message);
    }
}

TEST_CASE("attachable: running, the private volume mounted, the namespace asked for, a uid of one component") {
    CHECK_NOTHROW(console::check_attachable(running(), "myvm", ""));
    CHECK_NOTHROW(console::check_attachable(running(), "myvm", "default"));
    CHECK_NOTHROW(console::check_attachable(running("6a1c-77", std::nullopt), "myvm", "vms"));

    struct Case {
        std::string name;
        console::ComputeContainer container;
        std::string namespace_name;
        std::string message;
    };
    auto with_status = [](std::string status) {
        auto c = running();
        c.status = std::move(status);
        return c;
    };
    auto no_private = running();
    no_private.private_dir.clear();
    const std::vector<Case> cases = {
        {"exited", with_status("exited"), "",
         "VM myvm is not running: its compute container virt-launcher-myvm-compute is exited; see why: podman logs "
         "virt-launcher-myvm-compute; start it again: podman pod start virt-launcher-myvm"},
        {"created", with_status("created"), "",
         "VM myvm is not running: its compute container virt-launcher-myvm-compute is created; see why: podman logs "
         "virt-launcher-myvm-compute; start it again: podman pod start virt-launcher-myvm"},
        {"paused", with_status("paused"), "",
         "VM myvm is paused: its compute container virt-launcher-myvm-compute is paused; resume it: podman pod unpause "
         "virt-launcher-myvm"},
        {"another namespace", running(), "vms",
         "virt-launcher-myvm-compute runs VM myvm of namespace 'default', not 'vms'; give --namespace default, or none"},
        {"no private volume", no_private, "",
         "virt-launcher-myvm-compute mounts no volume at /var/run/kubevirt-private, where virt-launcher puts the serial "
         "console's socket; attach to a VM whose Pod kubevirt-vm-to-pod wrote"},
        {"uid ..", running(".."), "",
         "the VMI uid '..' that virt-launcher-myvm-compute runs with is not one path component; give the VMI a uid "
         "without '/' (KubeVirt's are UUIDs)"},
        {"uid with a slash", running("../../run"), "",
         "the VMI uid '../../run' that virt-launcher-myvm-compute runs with is not one path component; give the VMI a "
         "uid without '/' (KubeVirt's are UUIDs)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(error_of([&] { console::check_attachable(c.container, "myvm", c.namespace_name); }) == c.message);
    }
}

TEST_CASE("the socket is <uid>/virt-serial0 below the private directory, virt-serial0 without a uid") {
    CHECK(console::serial_socket_relative(running()) == "virt-serial0");
    CHECK(console::serial_socket_relative(running("6a1c-77")) == "6a1c-77/virt-serial0");
}

TEST_CASE("each way the socket fails has its message, at the socket's path") {
    using console::SocketProblem;
    const std::string path = kVolume + "/virt-serial0";
    struct Case {
        SocketProblem problem;
        std::string message;
    };
    const std::vector<Case> cases = {
        {SocketProblem::no_directory,
         path + ": the VM's private volume directory is gone; was the Pod removed? podman pod ps lists the Pods there are"},
        {SocketProblem::missing,
         path + ": no serial console socket yet; QEMU has not started yet: try again in a few seconds (podman logs "
                "virt-launcher-myvm-compute shows virt-launcher's progress); a VM with autoattachSerialConsole: false "
                "has none"},
        {SocketProblem::not_socket,
         path + ": is not a socket (the console follows no symbolic link in the VM's volume); restart the VM: podman pod "
                "restart virt-launcher-myvm"},
        {SocketProblem::refused,
         path + ": nothing accepts connections on the serial console socket (connection refused); QEMU has stopped: is "
                "the VM shutting down? podman logs virt-launcher-myvm-compute"},
        {SocketProblem::busy,
         path + ": the serial console is busy: another console is attached and one more waits for it; detach one of "
                "them (Ctrl+]) and try again"},
        {SocketProblem::other,
         path + ": cannot connect to the serial console socket: Permission denied; run the console as the user that "
                "runs the Pod (root for rootful Podman)"},
    };
    for (const auto& c : cases) {
        CAPTURE(static_cast<int>(c.problem));
        CHECK(console::socket_error(c.problem, path, "myvm", "Permission denied").message() == c.message);
    }
}

TEST_CASE("typed input: Ctrl+] detaches on a terminal, what came before it still goes to the guest") {
    struct Case {
        std::string typed;
        bool escape_enabled;
        std::string to_guest;
        bool detach;
    };
    const std::vector<Case> cases = {
        {"ls\r", true, "ls\r", false},
        {"\x1d", true, "", true},
        {"abc\x1d" "def", true, "abc", true},
        {"a\x1d\x1d", true, "a", true},
        {"abc\x1d" "def", false, "abc\x1d" "def", false},  // stdin no terminal: bytes are data
        {"", true, "", false},
        {std::string("nul\0\x1b[A", 7), true, std::string("nul\0\x1b[A", 7), false},  // ESC and NUL are no escape
    };
    for (const auto& c : cases) {
        CAPTURE(c.typed);
        auto got = console::scan_typed(c.typed, c.escape_enabled);
        CHECK(std::string(got.to_guest) == c.to_guest);
        CHECK(got.detach == c.detach);
    }
}

TEST_CASE("--idle-timeout seconds: whole or up to three decimals, up to a day") {
    struct Case {
        std::string text;
        std::optional<int> ms;
    };
    const std::vector<Case> cases = {
        {"0", 0},          {"2", 2000},       {"0.5", 500},      {"0.05", 50},         {"1.005", 1005},
        {"10.25", 10250},  {"86400", 86400000}, {"86400.001", std::nullopt}, {"100000", std::nullopt},
        {"", std::nullopt}, {".5", std::nullopt}, {"1.", std::nullopt}, {"1.0001", std::nullopt},
        {"-1", std::nullopt}, {"+1", std::nullopt}, {"1s", std::nullopt}, {"1.5.", std::nullopt},
        {" 1", std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(console::parse_seconds(c.text) == c.ms);
    }
}

TEST_CASE("a terminal user is told how to detach, as virsh does") {
    CHECK(console::connected_line("myvm") == "Connected to VM myvm (serial console); escape character is ^]\n");
}
