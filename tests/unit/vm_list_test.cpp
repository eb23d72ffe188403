// SPDX-License-Identifier: Apache-2.0
// The pure half of list/status/start/stop/restart: what Podman, libvirt and
// the hook's OCI config print, read; the table and JSON written.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/lifecycle/vm_list.hpp"
#include "golden.hpp"
#include "test_support.hpp"

using namespace kvpod;
using namespace kvpod::lifecycle;

namespace {

std::string error_text(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.message();
    }
    return "<no error>";
}

// As Podman 4.3.1 prints them (trimmed to the fields read, plus neighbours).
constexpr const char* kPs = R"([
 {"Id": "aa11", "Names": ["virt-launcher-web-compute"], "Pod": "p1", "IsInfra": false, "State": "running"},
 {"Id": "aa12", "Names": ["virt-launcher-web-guest-shutdown"], "Pod": "p1", "IsInfra": false},
 {"Id": "aa13", "Names": ["1a2b3c4d5e6f-infra"], "Pod": "p1", "IsInfra": true},
 {"Id": "bb11", "Names": ["virt-launcher-db-compute"], "Pod": "p2", "IsInfra": false, "State": "exited"},
 {"Id": "cc11", "Names": ["unrelated"], "Pod": "", "IsInfra": false}
])";

constexpr const char* kInspect = R"([
 {"Id": "aa11", "Name": "virt-launcher-web-compute", "Pod": "p1",
  "Args": ["--qemu-timeout", "240s", "--name", "web", "--uid", "", "--namespace", "edge"],
  "OCIConfigPath": "/var/lib/containers/storage/overlay-containers/aa11/userdata/config.json",
  "State": {"Status": "running", "StartedAt": "2026-12-04T13:39:50.402170719Z", "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {"Status": "healthy", "FailingStreak": 0}},
  "Config": {"Env": ["PATH=/usr/bin", "STANDALONE_VMI={\"metadata\":{\"name\":\"web\",\"namespace\":\"edge\"},\"spec\":{\"terminationGracePeriodSeconds\":60,\"domain\":{\"cpu\":{\"sockets\":1,\"cores\":2,\"threads\":1},\"memory\":{\"guest\":\"192Mi\"}}}}"]}},
 {"Id": "aa13", "Name": "1a2b3c4d5e6f-infra", "Pod": "p1",
  "NetworkSettings": {"IPAddress": "", "Networks": {"podman-default-kube-network": {"IPAddress": "10.89.0.81", "IPPrefixLen": 24}}}},
 {"Id": "bb11", "Name": "virt-launcher-db-compute", "Pod": "p2", "Args": ["--namespace=default"],
  "State": {"Status": "exited", "StartedAt": "2026-12-04 12:00:00.1 +0000 UTC", "FinishedAt": "2026-12-04 12:30:05.9 +0000 UTC"},
  "Config": {"Env": ["STANDALONE_VMI=not json"]}}
])";

}  // namespace

TEST_CASE("podman ps: compute containers name their VMs; other containers are not VMs") {
    auto entries = parse_ps(kPs);
    REQUIRE(entries.size() == 5);
    CHECK(entries[2].is_infra);
    CHECK(entries[0].pod == "p1");
    struct Case {
        const char* name;
        std::optional<std::string> vm;
    };
    for (const Case& c : std::vector<Case>{{"virt-launcher-web-compute", "web"},
                                           {"virt-launcher-a.b-compute", "a.b"},
                                           {"virt-launcher-web-guest-shutdown", std::nullopt},
                                           {"virt-launcher--compute", std::nullopt},
                                           {"virt-launcher-compute", std::nullopt},
                                           {"web-compute", std::nullopt}}) {
        CAPTURE(c.name);
        CHECK(vm_of_compute_container(c.name) == c.vm);
    }
    CHECK(parse_ps("[]").empty());
    CHECK(error_text([] { parse_ps("{\"a\": 1}"); }) ==
          "podman ps --all --format json printed no list of containers; is --podman a Podman 4 or later?");
    CHECK(error_text([] { parse_ps("Error: boom"); }).rfind("reading what podman ps --all --format json printed: ", 0) == 0);
    CHECK(ps_command("podman") == std::vector<std::string>{"podman", "ps", "--all", "--format", "json"});
}

TEST_CASE("podman container inspect: state, times, health, namespace, VMI, and the pod's address") {
    auto r = parse_inspect(kInspect);
    REQUIRE(r.computes.size() == 2);
    const auto& web = r.computes[0];
    CHECK(web.vm == "web");
    CHECK(web.status == "running");
    CHECK(web.health == "healthy");
    CHECK(web.namespace_name == "edge");
    CHECK(web.oci_config_path == "/var/lib/containers/storage/overlay-containers/aa11/userdata/config.json");
    CHECK(web.vmi["spec"]["terminationGracePeriodSeconds"] == 60);
    const auto& db = r.computes[1];
    CHECK(db.namespace_name == "default");
    CHECK(db.vmi.is_null());
    CHECK(r.pod_addresses == std::vector<std::pair<std::string, std::string>>{{"p1", "10.89.0.81"}});
    CHECK(inspect_command("podman", {"aa11", "aa13"}) ==
          std::vector<std::string>{"podman", "container", "inspect", "aa11", "aa13"});
}

TEST_CASE("virsh domstate --reason: libvirt's words, a crash as crashed") {
    struct Case {
        const char* output;
        const char* state;
        const char* reason;
    };
    for (const Case& c : std::vector<Case>{{"running (booted)\n\n", "running", "booted"},
                                           {"paused (user)\n", "paused", "user"},
                                           {"shut off (shutdown)\n", "shut off", "shutdown"},
                                           {"shut off (crashed)\n", "crashed", "crashed"},
                                           {"shut off (destroyed)", "shut off", "destroyed"},
                                           {"in shutdown (user)\n", "in shutdown", "user"},
                                           {"crashed (panicked)\n", "crashed", "panicked"},
                                           {"running\n", "running", ""},
                                           {"", "unknown", ""}}) {
        CAPTURE(c.output);
        auto [state, reason] = parse_domstate(c.output);
        CHECK(state == c.state);
        CHECK(reason == c.reason);
    }
    CHECK(domstate_command("podman", "virt-launcher-web-compute", "edge_web") ==
          std::vector<std::string>{"podman", "exec", "virt-launcher-web-compute", "virsh", "-q", "domstate", "--reason",
                                   "edge_web"});
}

TEST_CASE("the hook's grants from the OCI config: device nodes beyond the runtime's, PCI and mdev env") {
    const char* config = R"({"process": {"env": ["PATH=/bin", "PCI_RESOURCE_NVIDIA_COM_GPU=0000:17:00.0",
        "MDEV_PCI_RESOURCE_NVIDIA_COM_GRID=uuid-1", "STANDALONE_VMI={}"]},
        "linux": {"devices": [{"path": "/dev/null"}, {"path": "/dev/kvm"}, {"path": "/dev/net/tun"},
                              {"path": "/dev/vfio/12"}, {"path": "/dev/urandom"}]}})";
    CHECK(granted_devices(config) == std::vector<std::string>{"/dev/kvm", "/dev/net/tun", "/dev/vfio/12",
                                                              "PCI_RESOURCE_NVIDIA_COM_GPU=0000:17:00.0",
                                                              "MDEV_PCI_RESOURCE_NVIDIA_COM_GRID=uuid-1"});
    CHECK(granted_devices("{}").empty());
    CHECK(granted_devices("not json").empty());
}

TEST_CASE("the VMI's vCPUs, memory and the Pod's grace period") {
    struct Case {
        const char* vmi;
        std::int64_t vcpus;
        const char* memory;
        std::int64_t grace;
    };
    for (const Case& c : std::vector<Case>{
             {R"({"spec": {"domain": {"cpu": {"sockets": 2, "cores": 2, "threads": 2}, "memory": {"guest": "1Gi"}}}})", 8, "1Gi", 60},
             {R"({"spec": {"terminationGracePeriodSeconds": 60, "domain": {"resources": {"requests": {"memory": "64M"}}}}})", 1, "64M", 90},
             {R"({"spec": {"terminationGracePeriodSeconds": -100}})", 1, "", 1},
             {"null", 1, "", 60}}) {
        CAPTURE(c.vmi);
        VmInfo info;
        fill_from_vmi(document::parse_json(c.vmi, "vmi"), info);
        CHECK(info.vcpus == c.vcpus);
        CHECK(info.memory == c.memory);
        CHECK(info.grace_seconds == c.grace);
    }
}

TEST_CASE("Podman's times as RFC 3339 UTC") {
    struct Case {
        const char* podman;
        const char* want;
    };
    for (const Case& c : std::vector<Case>{{"2026-12-04T13:39:50.402170719Z", "2026-12-04T13:39:50Z"},
                                           {"2026-12-04 12:30:05.9 +0000 UTC", "2026-12-04T12:30:05Z"},
                                           {"0001-01-01T00:00:00Z", ""},
                                           {"0001-01-01 00:00:00 +0000 UTC", ""},
                                           {"yesterday", ""},
                                           {"", ""}}) {
        CAPTURE(c.podman);
        CHECK(rfc3339(c.podman) == c.want);
    }
}

namespace {
std::vector<VmInfo> two_vms() {
    VmInfo web;
    web.name = "web";
    web.namespace_name = "edge";
    web.state = "running";
    web.state_reason = "booted";
    web.since = "2026-12-04T13:39:50Z";
    web.vcpus = 2;
    web.memory = "192Mi";
    web.devices = {"/dev/kvm", "/dev/net/tun", "PCI_RESOURCE_NVIDIA_COM_GPU=0000:17:00.0"};
    web.address = "10.89.0.81";
    web.unit = "virt-launcher-web.service";
    web.unit_file = "/etc/containers/systemd/virt-launcher-web.kube";
    web.health = "healthy";
    web.container = "virt-launcher-web-compute";
    web.container_state = "running";
    web.grace_seconds = 90;
    VmInfo db;
    db.name = "db";
    db.namespace_name = "default";
    db.state = "shut off";
    db.state_reason = "container exited";
    db.since = "2026-12-04T12:30:05Z";
    db.vcpus = 1;
    db.memory = "1Gi";
    db.container = "virt-launcher-db-compute";
    db.container_state = "exited";
    db.grace_seconds = 60;
    return {db, web};
}
}  // namespace

TEST_CASE("list's table and JSON, status's lines and JSON (goldens)") {
    auto vms = two_vms();
    std::string table = format_table(vms);
    CHECK(table == testing::golden("lifecycle/list.txt", table));
    Json array = Json::array();
    for (const auto& vm : vms) array.push_back(to_json(vm));
    std::string json = array.dump(2) + "\n";
    CHECK(json == testing::golden("lifecycle/list.json", json));
    std::string status = format_status(vms[1]) + "\n" + format_status(vms[0]);
    CHECK(status == testing::golden("lifecycle/status.txt", status));
    // The JSON field names are the man page's: a rename breaks users' scripts.
    std::vector<std::string> keys;
    const Json fields = to_json(vms[0]);
    for (auto it = fields.begin(); it != fields.end(); ++it) keys.push_back(it.key());
    CHECK(keys == std::vector<std::string>{"address", "container", "containerState", "devices", "gracePeriodSeconds",
                                           "health", "memory", "name", "namespace", "reason", "since", "state", "unit",
                                           "unitFile", "vcpus"});
    CHECK(format_table({}) == "NAME  STATE  SINCE  VCPUS  MEMORY  DEVICES  ADDRESS  UNIT\n");
}

TEST_CASE("errors say what, where and how to fix it") {
    CHECK(unknown_vm("web").message() ==
          "no VM web on this host: Podman has no container virt-launcher-web-compute and no unit "
          "virt-launcher-web.service is installed; kubevirt-vm-to-pod list shows the VMs there are");
    CHECK(podman_missing("podman", "cannot run podman: No such file or directory").message() ==
          "cannot run podman: No such file or directory; install Podman, or name it with --podman");
    CHECK(podman_failed("podman ps", 125, "time=x level=warning\nError: database is locked\n").message() ==
          "podman ps failed (exit 125): Error: database is locked; check that Podman works: podman ps");
    CHECK(command_failed({"systemctl", "stop", "virt-launcher-web.service"}, 1, "Job failed.\n").message() ==
          "systemctl stop virt-launcher-web.service failed (exit 1): Job failed.; see journalctl -u virt-launcher-web.service");
    CHECK(command_failed({"podman", "pod", "start", "virt-launcher-web"}, 125, "").message() ==
          "podman pod start virt-launcher-web failed (exit 125); see podman logs of the VM's compute container");
    CHECK(error_text([] { check_output("yaml"); }) == "--output takes table or json here, not 'yaml'; see kubevirt-vm-to-pod --help");
    check_output("json");
    check_output("table");
}
