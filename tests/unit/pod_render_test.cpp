// SPDX-License-Identifier: Apache-2.0
// render_launcher_pod against hand-written defaulted VMIs (tests/data/vm2pod).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/downward_api.hpp"
#include "core/kubevirt/pod_yaml.hpp"
#include "pod_render_support.hpp"

using namespace kvpod;
using namespace kvpod::testing;
using Json = nlohmann::json;

TEST_CASE("the cirros VM of reference 3.8: 405760Ki without passt, 661760Ki with its 250Mi") {
    auto masquerade = render(cirros("masquerade"));
    CHECK(masquerade.requests() == Json{{"cpu", "1"}, {"ephemeral-storage", "50M"}, {"memory", "405760Ki"}});
    auto passt = render(cirros("passt"));
    CHECK(passt.requests() == Json{{"cpu", "1"}, {"ephemeral-storage", "50M"}, {"memory", "661760Ki"}});
    CHECK(passt.limits() == Json{{"devices.kubevirt.io/kvm", "1"}, {"devices.kubevirt.io/tun", "1"},
                                 {"devices.kubevirt.io/vhost-net", "1"}});
}

TEST_CASE("the compute command line is KubeVirt's, without the random qemu timeout jitter") {
    auto r = render(cirros());
    CHECK(r.compute()["command"] ==
          Json{"/usr/bin/virt-launcher-monitor", "--qemu-timeout", "240s", "--name", "cirros-test", "--uid", "",
               "--namespace", "default", "--kubevirt-share-dir", "/var/run/kubevirt", "--ephemeral-disk-dir",
               "/var/run/kubevirt-ephemeral-disks", "--container-disk-dir", "/var/run/kubevirt/container-disks",
               "--grace-period-seconds", "45", "--hook-sidecars", "0", "--ovmf-path", "/usr/share/OVMF",
               "--disk-memory-limit", "2097152000", "--hypervisor", "kvm", "--run-as-nonroot", "--image-volume"});
    CHECK(r.spec()["terminationGracePeriodSeconds"] == 60);
    CHECK(r.compute()["image"] == "quay.io/kubevirt/virt-launcher:v1.8.0");

    kubevirt::ConvertOptions options;
    options.launcher_image = "localhost/launcher:test";
    auto custom = render(variant(R"({"spec": {"terminationGracePeriodSeconds": 0, "architecture": "arm64"}})"), {}, options);
    Json cmd = custom.compute()["command"];
    CHECK(cmd[16] == "15");
    CHECK(cmd[20] == "/usr/share/AAVMF");
    CHECK(custom.compute()["image"] == "localhost/launcher:test");
    CHECK(custom.spec()["terminationGracePeriodSeconds"] == 30);
}

TEST_CASE("compute env: XDG, POD_NAME by fieldRef, virsh URI, then the VMI as compact JSON") {
    auto r = render(cirros());
    CHECK(names_of(r.compute()["env"]) == std::vector<std::string>{"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
                                                                    "POD_NAME", "VIRSH_DEFAULT_CONNECT_URI", "STANDALONE_VMI"});
    CHECK(named(r.compute()["env"], "POD_NAME")["valueFrom"] == Json{{"fieldRef", {{"fieldPath", "metadata.name"}}}});
    std::string vmi_text = r.env("STANDALONE_VMI");
    CHECK(vmi_text.find('\n') == std::string::npos);
    CHECK(document::parse_json(vmi_text, "STANDALONE_VMI") == cirros());
    CHECK(r.env("VIRSH_DEFAULT_CONNECT_URI") == "qemu+unix:///session?socket=/var/run/libvirt/virtqemud-sock");

    auto verbose = render(variant(R"({"metadata": {"labels": {"logVerbosity": "6"}}})"));
    CHECK(verbose.env("VIRT_LAUNCHER_LOG_VERBOSITY") == "6");
    CHECK(verbose.env("LIBVIRT_DEBUG_LOGS") == "1");
    CHECK(verbose.env("VIRTIOFSD_DEBUG_LOGS") == "1");
    CHECK(error_of([] { render(variant(R"({"metadata": {"labels": {"logVerbosity": "loud"}}})")); }) ==
          "/metadata/labels/logVerbosity: verbosity 'loud' is not a number; set the label to a small integer such as 4");
}

TEST_CASE("a root VMI gets KubeVirt's root container: SYS_NICE, no XDG, libvirt's system URI") {
    auto r = render(variant(R"({"status": {"runtimeUser": 0}})"));
    CHECK(r.compute()["securityContext"] ==
          Json{{"runAsUser", 0}, {"runAsNonRoot", false}, {"capabilities", {{"add", {"NET_BIND_SERVICE", "SYS_NICE"}}}}});
    CHECK(r.env("XDG_CACHE_HOME") == "<absent>");
    CHECK(r.env("VIRSH_DEFAULT_CONNECT_URI") == "qemu:///system");
    CHECK(r.spec()["securityContext"] == Json{{"fsGroup", 107}, {"runAsUser", 0}, {"sysctls", r.spec()["securityContext"]["sysctls"]}});
    CHECK(std::find(r.compute()["command"].begin(), r.compute()["command"].end(), "--run-as-nonroot") ==
          r.compute()["command"].end());
}

TEST_CASE("volumes and mounts come in KubeVirt's order, emptyDirs named after the Pod") {
    auto r = render(cirros());
    const std::string p = "virt-launcher-cirros-test-";
    CHECK(names_of(r.spec()["volumes"]) ==
          std::vector<std::string>{p + "private", p + "public", p + "sockets", p + "virt-bin-share-dir",
                                   p + "libvirt-runtime", p + "ephemeral-disks", "containerdisk", p + "hotplug-disks"});
    CHECK(names_of(r.compute()["volumeMounts"], "mountPath") ==
          std::vector<std::string>{"/var/run/kubevirt-private", "/var/run/kubevirt", "/var/run/kubevirt-ephemeral-disks",
                                   "/var/run/libvirt", "/var/run/kubevirt/sockets",
                                   "/var/run/kubevirt-image-volume/disk_0", "/var/run/kubevirt/hotplug-disks/"});
    CHECK(named(r.compute()["volumeMounts"], p + "hotplug-disks")["mountPropagation"] == "HostToContainer");
    CHECK(!r.spec().contains("initContainers"));
    CHECK(r.setup.empty());
}

TEST_CASE("containerDisk: an image volume on Podman 5.3+, an image-driver named volume with a guard before") {
    auto v5 = render(cirros(), on_podman("5.4"));
    CHECK(named(v5.spec()["volumes"], "containerdisk") ==
          Json{{"name", "containerdisk"},
               {"image", {{"reference", "quay.io/kubevirt/cirros-container-disk-demo:latest"}, {"pullPolicy", "Always"}}}});
    CHECK(named(v5.compute()["volumeMounts"], "containerdisk") ==
          Json{{"name", "containerdisk"}, {"mountPath", "/var/run/kubevirt-image-volume/disk_0"}, {"readOnly", true}});

    auto v4 = render(cirros(), on_podman("4.3.1"));
    Json claim = named(v4.spec()["volumes"], "containerdisk")["persistentVolumeClaim"];
    CHECK(claim == Json{{"claimName", "cirros-test-containerdisk-fb2115ef"}, {"readOnly", true}});
    REQUIRE(v4.setup.size() == 2);
    CHECK(v4.setup[0].command == "podman pull quay.io/kubevirt/cirros-container-disk-demo:latest");  // Always
    CHECK(v4.setup[1].command == "podman volume exists cirros-test-containerdisk-fb2115ef || "
                                 "podman volume create --driver image --opt "
                                 "image=quay.io/kubevirt/cirros-container-disk-demo:latest cirros-test-containerdisk-fb2115ef");
    REQUIRE(v4.spec()["initContainers"].size() == 1);
    const Json& guard = v4.spec()["initContainers"][0];
    CHECK(guard["name"] == "container-disk-check");
    std::string script = guard["command"][2];
    CHECK(script.find("set -- /var/run/kubevirt-image-volume/disk_0/disk/*; [ $# -eq 1 ] && [ -r \"$1\" ]") !=
          std::string::npos);
    CHECK(script.find("exit $missing") != std::string::npos);
    CHECK(guard["volumeMounts"] == Json::array({named(v4.compute()["volumeMounts"], "containerdisk")}));
    CHECK(guard["securityContext"]["runAsUser"] == 107);
    CHECK(v4.warned("imagePullPolicy Always"));

    // The volume's name follows the image, so a new image never reuses a stale volume.
    auto other = render(variant(R"({"spec": {"volumes": [{"name": "containerdisk", "containerDisk":
        {"image": "localhost/disk:2", "imagePullPolicy": "Never", "path": "/custom/disk.qcow2"}}]}})"),
                        on_podman("4"));
    CHECK(other.setup.size() == 1);  // Never: nothing to pull
    auto present = render(variant(R"({"spec": {"volumes": [{"name": "containerdisk", "containerDisk":
        {"image": "localhost/disk:2", "imagePullPolicy": "IfNotPresent"}}]}})"), on_podman("4"));
    CHECK(present.setup[0].command == "podman image exists localhost/disk:2 || podman pull localhost/disk:2");
    std::string other_script = other.spec()["initContainers"][0]["command"][2];
    CHECK(other_script.find("[ -r /var/run/kubevirt-image-volume/disk_0/custom/disk.qcow2 ]") != std::string::npos);
    CHECK(named(other.spec()["volumes"], "containerdisk")["persistentVolumeClaim"]["claimName"] !=
          "cirros-test-containerdisk-fb2115ef");
}

TEST_CASE("kernel boot images follow the containerDisk mechanism") {
    const char* patch = R"({"spec": {"domain": {"firmware": {"kernelBoot": {"container": {"image": "localhost/kernel:1",
        "imagePullPolicy": "IfNotPresent", "kernelPath": "/boot/vmlinuz", "initrdPath": "/boot/initrd"}}}}}})";
    auto v5 = render(variant(patch));
    CHECK(named(v5.compute()["volumeMounts"], "kernel-boot-volume")["mountPath"] == "/var/run/kubevirt-kernel-boot");
    auto v4 = render(variant(patch), on_podman("4.3"));
    std::string script = v4.spec()["initContainers"][0]["command"][2];
    CHECK(script.find("[ -r /var/run/kubevirt-kernel-boot/boot/vmlinuz ] && [ -r /var/run/kubevirt-kernel-boot/boot/initrd ]") !=
          std::string::npos);
}

TEST_CASE("passt asks Podman for virt-handler's sysctls; older Podman is told how to set them") {
    Json sysctls = {{{"name", "net.ipv4.ping_group_range"}, {"value", "107 107"}},
                    {{"name", "net.ipv4.ip_unprivileged_port_start"}, {"value", "0"}}};
    CHECK(render(cirros()).spec()["securityContext"]["sysctls"] == sysctls);
    CHECK(!render(cirros("masquerade")).spec()["securityContext"].contains("sysctls"));
    CHECK(!render(cirros(), on_podman("4.5")).warned("sysctls"));
    auto old = render(cirros(), on_podman("4.3"));
    CHECK(old.spec()["securityContext"]["sysctls"] == sysctls);
    CHECK(old.warned("default_sysctls"));
}

TEST_CASE("the hook's marker annotation, or --mount-devices' explicit devices instead") {
    auto r = render(cirros());
    CHECK(r.pod["metadata"]["annotations"]["kubevirt-vm-to-pod/vm"] == "cirros-test");

    kubevirt::PodOptions o;
    o.device_mounts = kubevirt::HostDeviceMounts{{"/dev/kvm", "/dev/net/tun"}, {{"PCI_RESOURCE_X", "0000:01:00.0"}}};
    auto m = render(cirros(), o);
    CHECK(!m.pod["metadata"]["annotations"].contains("kubevirt-vm-to-pod/vm"));
    CHECK(named(m.spec()["volumes"], "dev-net-tun") ==
          Json{{"name", "dev-net-tun"}, {"hostPath", {{"path", "/dev/net/tun"}, {"type", "CharDevice"}}}});
    CHECK(named(m.compute()["volumeMounts"], "dev-kvm")["mountPath"] == "/dev/kvm");
    CHECK(m.env("PCI_RESOURCE_X") == "0000:01:00.0");
    CHECK(names_of(m.compute()["env"]).back() == "STANDALONE_VMI");
}

TEST_CASE("long names: the marker and vmi.kubevirt.io/id stay within 63 characters") {
    std::string name(70, 'a');
    CHECK(kubevirt::vm_marker("cirros") == "cirros");
    CHECK(kubevirt::vm_marker(std::string(63, 'b')) == std::string(63, 'b'));
    std::string marker = kubevirt::vm_marker(name);
    CHECK(marker.size() == 63);
    CHECK(marker.substr(0, 55) == std::string(54, 'a') + "-");
    CHECK(marker == kubevirt::vm_marker(name));  // deterministic
    CHECK(marker != kubevirt::vm_marker(std::string(69, 'a') + "b"));

    Json vmi = cirros();
    vmi["metadata"]["name"] = name;
    auto old = render(vmi, on_podman("4.3"));
    CHECK(old.pod["metadata"]["annotations"]["kubevirt-vm-to-pod/vm"] == marker);
    CHECK(old.pod["metadata"]["labels"]["vmi.kubevirt.io/id"] == marker);
    CHECK(!old.pod["metadata"]["annotations"].contains("kubevirt.io/domain"));  // 70 characters: Podman 4 refuses
    CHECK(old.warned("Pod /metadata/annotations/kubevirt.io/domain: left out of the Pod"));
    CHECK(render(vmi).pod["metadata"]["annotations"]["kubevirt.io/domain"] == name);
}

TEST_CASE("hostDisk, PVC and cloud-init volumes") {
    auto r = render(variant(R"({"spec": {"volumes": [
        {"name": "host", "hostDisk": {"path": "/var/lib/vms/disk.img", "type": "DiskOrCreate", "capacity": "1Gi"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "vm-data"}},
        {"name": "cloudinit", "cloudInitNoCloud": {"userData": "#cloud-config\n"}}]}})"));
    CHECK(named(r.spec()["volumes"], "host") ==
          Json{{"name", "host"}, {"hostPath", {{"path", "/var/lib/vms"}, {"type", "DirectoryOrCreate"}}}});
    CHECK(named(r.compute()["volumeMounts"], "host")["mountPath"] == "/var/run/kubevirt-private/vmi-disks/host");
    CHECK(named(r.spec()["volumes"], "data") == Json{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "vm-data"}}}});
    CHECK(named(r.compute()["volumeMounts"], "data")["mountPath"] == "/var/run/kubevirt-private/vmi-disks/data");
    CHECK(named(r.spec()["volumes"], "cloudinit").is_null());
    CHECK(r.warned("/spec/volumes/0 (host): the disk /var/lib/vms/disk.img persists on this host: the init container "
                   "vm-storage-init creates it at the first start, 1073741824 bytes (sparse), owned by uid 107"));
    // virt-handler's DiskImgCreator, done by a root init container before compute.
    const Json& init = r.spec()["initContainers"][0];
    CHECK(init["name"] == "vm-storage-init");
    CHECK(init["securityContext"]["runAsUser"] == 0);
    CHECK(init["securityContext"]["capabilities"]["add"] == Json::array({"CHOWN"}));
    CHECK(init["command"] == Json::array({"/bin/sh", "-c",
        "set -u; if [ ! -e /var/run/kubevirt-private/vmi-disks/host/disk.img ]; then rm -f "
        "/var/run/kubevirt-private/vmi-disks/host/disk.img.kvpod-new && truncate -s 1073741824 "
        "/var/run/kubevirt-private/vmi-disks/host/disk.img.kvpod-new && chown 107:107 "
        "/var/run/kubevirt-private/vmi-disks/host/disk.img.kvpod-new && mv "
        "/var/run/kubevirt-private/vmi-disks/host/disk.img.kvpod-new /var/run/kubevirt-private/vmi-disks/host/disk.img "
        "&& echo 'created /var/lib/vms/disk.img (1073741824 bytes, sparse) for uid 107' || exit 1; fi"}));
    CHECK(init["volumeMounts"] == Json::array({{{"name", "host"}, {"mountPath", "/var/run/kubevirt-private/vmi-disks/host"}}}));
    // A host path for a hostDisk, the Podman volume for a PVC.
    CHECK(r.pod["metadata"]["annotations"]["kubevirt-vm-to-pod/persistent-state"] ==
          "disk host=/var/lib/vms/disk.img; disk data=vm-data");
    CHECK(r.warned("Pod /metadata/annotations: these disks keep what the guest writes after the Pod is gone (podman "
                   "kube down, --replace, pod rm): host in the host file /var/lib/vms/disk.img, data in the Podman "
                   "volume vm-data; every other disk starts afresh with each Pod"));
    CHECK(error_of([] { render(variant(R"({"spec": {"volumes": [
        {"name": "host", "hostDisk": {"path": "/var/lib/vms/disk.img", "type": "DiskOrCreate"}}]}})")); }) ==
          "/spec/volumes/0 (host)/hostDisk/capacity: a hostDisk of type DiskOrCreate needs its capacity; set capacity, "
          "such as 10Gi");
    CHECK(r.warned("/spec/volumes/1 (data): becomes the Podman volume vm-data"));
}

TEST_CASE("hook sidecars from hooks.kubevirt.io/hookSidecars run beside compute") {
    auto r = render(variant(R"({"metadata": {"annotations": {"hooks.kubevirt.io/hookSidecars":
        "[{\"args\": [\"--version\", \"v1alpha2\"], \"image\": \"registry:5000/kubevirt/example-hook-sidecar:devel\"}]"}}})"));
    CHECK(r.compute()["command"][18] == "1");
    const Json& sidecar = r.spec()["containers"][1];
    CHECK(sidecar["name"] == "hook-sidecar-0");
    CHECK(sidecar["args"] == Json{"--version", "v1alpha2"});
    CHECK(named(sidecar["env"], "CONTAINER_NAME")["value"] == "hook-sidecar-0");
    CHECK(sidecar["volumeMounts"][0] == Json{{"name", "virt-launcher-cirros-test-hook-sidecar-sockets"},
                                             {"mountPath", "/var/run/kubevirt-hooks"}, {"subPath", "hook-sidecar-0"}});
    CHECK(named(r.compute()["volumeMounts"], "virt-launcher-cirros-test-hook-sidecar-sockets")["mountPath"] ==
          "/var/run/kubevirt-hooks");
    CHECK(error_of([] {
              render(variant(R"({"metadata": {"annotations": {"hooks.kubevirt.io/hookSidecars":
                  "[{\"configMap\": {\"name\": \"cm\", \"key\": \"k\", \"hookPath\": \"/p\"}}]"}}})"));
          }) == "/metadata/annotations/hooks.kubevirt.io~1hookSidecars/0: a hook sidecar without an image runs "
                "KubeVirt's sidecar-shim with a ConfigMap script, which needs the Kubernetes API; build an image "
                "holding the hook and name it in \"image\"");
}

TEST_CASE("guest console log and console proxy run as containers (Podman has no native sidecars)") {
    kubevirt::ConvertOptions options;
    options.console_proxy = true;
    options.proxy_port = 9000;
    auto r = render(variant(R"({"spec": {"domain": {"devices": {"logSerialConsole": true}}}})"), {}, options);
    std::vector<std::string> names = names_of(r.spec()["containers"]);
    CHECK(names == std::vector<std::string>{"compute", "guest-console-log", "guest-shutdown", "console-proxy"});
    CHECK(r.spec()["containers"][1]["args"] == Json{"--logfile", "/var/run/kubevirt-private//virt-serial0-log"});
    CHECK(r.spec()["containers"][3]["command"] == Json{"/console-proxy", "-port=9000", "-listen=unix"});
    CHECK(r.spec()["containers"][3]["volumeMounts"][0]["name"] == "virt-launcher-cirros-test-private");
    CHECK(names_of(render(cirros()).spec()["containers"]) == std::vector<std::string>{"compute", "guest-shutdown"});
}

// Found with KubeVirt's real virt-launcher: on SIGTERM it only marks the
// domain for a graceful shutdown and waits for virt-handler to ask for one,
// so a stopped Pod killed its guest after the grace period. guest-shutdown
// asks libvirt for it, as virt-handler does.
TEST_CASE("guest-shutdown asks libvirt for the shutdown virt-handler would, through the launcher's libvirt socket") {
    auto r = render(cirros());
    const Json& c = r.spec()["containers"][1];
    REQUIRE(c["name"] == "guest-shutdown");
    CHECK(c["image"] == r.spec()["containers"][0]["image"]);
    CHECK(c["command"][0] == "/bin/bash");
    const std::string script = c["command"][2];
    CHECK(script.find("domain=default_cirros-test\n") == 0);
    CHECK(script.find("trap shutdown_guest TERM INT") != std::string::npos);
    CHECK(script.find("virsh -q shutdown \"$domain\"") != std::string::npos);
    CHECK(c["env"][0] == Json{{"name", "VIRSH_DEFAULT_CONNECT_URI"},
                              {"value", "qemu+unix:///session?socket=/var/run/libvirt/virtqemud-sock"}});
    CHECK(c["volumeMounts"] == Json::array({{{"name", "virt-launcher-cirros-test-libvirt-runtime"},
                                             {"mountPath", "/var/run/libvirt"}}}));
    CHECK(c["securityContext"]["runAsUser"] == 107);
    CHECK(c["securityContext"]["capabilities"]["drop"] == Json::array({"ALL"}));
    // Its mount is the compute container's libvirt runtime directory.
    bool shared = false;
    for (const auto& m : r.spec()["containers"][0]["volumeMounts"])
        shared |= m["name"] == "virt-launcher-cirros-test-libvirt-runtime" && m["mountPath"] == "/var/run/libvirt";
    CHECK(shared);
}

TEST_CASE("probes: KubeVirt's defaults, virt-probe around exec and guest-agent probes, libvirt's start-up delay") {
    auto r = render(variant(R"({"spec": {
        "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "initialDelaySeconds": 5},
        "livenessProbe": {"guestAgentPing": {}, "timeoutSeconds": 3}}})"));
    CHECK(r.compute()["readinessProbe"] ==
          Json::parse(R"({"exec": {"command": ["virt-probe", "--domainName", "default_cirros-test", "--timeoutSeconds", "1",
                          "--command", "cat", "--", "/tmp/ready"]}, "initialDelaySeconds": 15, "timeoutSeconds": 2,
                          "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
    CHECK(r.compute()["livenessProbe"] ==
          Json::parse(R"({"exec": {"command": ["virt-probe", "--domainName", "default_cirros-test", "--timeoutSeconds", "3",
                          "--guestAgentPing"]}, "initialDelaySeconds": 10, "timeoutSeconds": 4,
                          "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
    auto tcp = render(variant(R"({"spec": {"readinessProbe": {"tcpSocket": {"port": 1500}, "periodSeconds": 2}}})"));
    CHECK(tcp.compute()["readinessProbe"] == Json::parse(R"({"tcpSocket": {"port": 1500}, "initialDelaySeconds": 10,
        "timeoutSeconds": 1, "periodSeconds": 2, "successThreshold": 1, "failureThreshold": 3})"));
}

TEST_CASE("the domain health check: virsh domcontrol on the VMI's domain, unless the VMI brings its own livenessProbe") {
    const Json expected = Json::parse(R"({"exec": {"command": ["virsh", "domcontrol", "default_cirros-test"]},
        "initialDelaySeconds": 120, "periodSeconds": 10, "timeoutSeconds": 5, "successThreshold": 1,
        "failureThreshold": 6})");
    auto r = render(cirros());
    CHECK(r.compute()["livenessProbe"] == expected);
    // Podman 4.3 joins the words with spaces into a /bin/sh -c line: none may need quoting.
    for (const auto& word : r.compute()["livenessProbe"]["exec"]["command"])
        CHECK(word.get<std::string>().find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-._") == std::string::npos);
    CHECK_FALSE(r.compute().contains("readinessProbe"));
    auto other = render(variant(R"({"metadata": {"namespace": "edge"}})"));
    CHECK(other.compute()["livenessProbe"]["exec"]["command"][2] == "edge_cirros-test");
    // Readiness is not Podman's business: the domain check stays beside it.
    auto ready = render(variant(R"({"spec": {"readinessProbe": {"tcpSocket": {"port": 22}}}})"));
    CHECK(ready.compute()["livenessProbe"] == expected);
    auto own = render(variant(R"({"spec": {"livenessProbe": {"tcpSocket": {"port": 22}}}})"));
    CHECK(own.compute()["livenessProbe"]["tcpSocket"] == Json{{"port", 22}});
    CHECK_FALSE(own.compute()["livenessProbe"].contains("exec"));
}

TEST_CASE("scheduling hints: nodeSelector and affinity as KubeVirt renders them") {
    auto r = render(variant(R"({"spec": {"nodeSelector": {"disk": "ssd"}, "domain": {"cpu": {"model": "Skylake",
        "features": [{"name": "vmx", "policy": "require"}, {"name": "avx", "policy": "forbid"}]}}}})"));
    CHECK(r.spec()["nodeSelector"] == Json{{"cpu-feature.node.kubevirt.io/vmx", "true"},
                                           {"cpu-model.node.kubevirt.io/Skylake", "true"},
                                           {"disk", "ssd"},
                                           {"kubernetes.io/arch", "amd64"},
                                           {"kubevirt.io/schedulable", "true"},
                                           {"machine-type.node.kubevirt.io/q35", "true"}});
    CHECK(r.spec()["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] ==
          Json::parse(R"([{"matchExpressions": [{"key": "cpu-feature.node.kubevirt.io/avx", "operator": "DoesNotExist"}]}])"));
}

TEST_CASE("a downwardAPI volume: a ConfigMap of the files the kubelet would write for this Pod, mounted where KubeVirt mounts the volume") {
    for (const char* podman : {"4.3", "5.4"}) {
        CAPTURE(podman);
        kubevirt::Diagnostics warnings;
        Json vmi = variant(R"({"metadata": {"labels": {"app": "web", "tier": "a\"b"},
            "annotations": {"note": "two\nlines \u00fc\u00a0"}},
          "spec": {"domain": {"devices": {"disks": [{"name": "info", "disk": {"bus": "virtio"}}]}},
            "volumes": [{"name": "info", "downwardAPI": {"volumeLabel": "podinfo", "fields": [
              {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
              {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
              {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
              {"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}},
              {"path": "app", "fieldRef": {"fieldPath": "metadata.labels['app']"}},
              {"path": "missing", "fieldRef": {"fieldPath": "metadata.annotations['none']"}}]}}]}})");
        auto out = kubevirt::render_launcher_pod(vmi, {}, on_podman(podman), warnings);
        const Json& spec = out.pod["spec"];
        CHECK(named(spec["volumes"], "info") ==
              Json{{"name", "info"}, {"configMap", {{"name", "virt-launcher-cirros-test-downwardapi-info"}}}});
        CHECK(named(spec["containers"][0]["volumeMounts"], "info") ==
              Json{{"name", "info"}, {"mountPath", "/var/run/kubevirt-private/downwardapi/info"}, {"readOnly", true}});
        REQUIRE(out.config_maps.size() == 1);
        const Json& cm = out.config_maps[0];
        CHECK(cm["metadata"] == Json{{"name", "virt-launcher-cirros-test-downwardapi-info"}});
        const Json& data = cm["data"];
        // fieldpath.FormatMap: sorted key="value" lines, Go's %q, no final newline.
        CHECK(data["labels"] == "app=\"web\"\nkubevirt.io=\"virt-launcher\"\nkubevirt.io/created-by=\"\"\n"
                                "tier=\"a\\\"b\"\nvm.kubevirt.io/name=\"cirros-test\"\nvmi.kubevirt.io/id=\"cirros-test\"");
        // The Pod's own annotations, as kube play gets them.
        std::string annotations;
        for (const auto& [key, value] : out.pod["metadata"]["annotations"].items())
            annotations += (annotations.empty() ? "" : "\n") + key + "=" + kubevirt::go_quote(value.get<std::string>());
        CHECK(data["annotations"] == annotations);
        CHECK(data["annotations"].get<std::string>().find("note=\"two\\nlines \u00fc\\u00a0\"") != std::string::npos);
        CHECK(data["name"] == "virt-launcher-cirros-test");
        CHECK(data["namespace"] == "default");
        CHECK(data["app"] == "web");
        CHECK(data["missing"] == "");
    }
}

TEST_CASE("a downwardAPI volume shared over virtiofs is read-only at KubeVirt's path, as a configMap") {
    auto r = render(variant(R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "info", "virtiofs": {}}]}},
        "volumes": [{"name": "info", "downwardAPI": {"fields": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}]}})"));
    Json virtiofsd = named(r.spec()["containers"], "virtiofs-info");
    CHECK(named(virtiofsd["volumeMounts"], "info") ==
          Json{{"name", "info"}, {"mountPath", "/var/run/kubevirt-private/downwardapi/info"}, {"readOnly", true}});
    CHECK(virtiofsd["args"][1] == "--shared-dir=/var/run/kubevirt-private/downwardapi/info");
}

TEST_CASE("Go's strconv.Quote, as FormatMap quotes values") {
    struct Case {
        std::string in, out;
    };
    for (const auto& c : std::vector<Case>{
             {"plain", "\"plain\""},
             {"", "\"\""},
             {"a\"b\\c", "\"a\\\"b\\\\c\""},
             {"\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\""},
             {std::string("\x00\x1f\x7f", 3), "\"\\x00\\x1f\\x7f\""},
             {"\u00e9\u4e16\U0001F600", "\"\u00e9\u4e16\U0001F600\""},  // printable: kept
             {"\u0080\u00a0\u00ad", "\"\\u0080\\u00a0\\u00ad\""},  // C1 control, no-break space, soft hyphen
             {"\u200b\u2028\ufeff\U000E0001", "\"\\u200b\\u2028\\ufeff\\U000e0001\""},
             {"\xff\xc3", "\"\\xff\\xc3\""},  // invalid UTF-8, byte by byte
             {"\xed\xa0\x80", "\"\\xed\\xa0\\x80\""},  // a surrogate's encoding
         }) {
        CAPTURE(c.in);
        CHECK(kubevirt::go_quote(c.in) == c.out);
    }
    CHECK(kubevirt::format_map(Json{{"b", "2"}, {"a", "1"}, {"B", "x"}}) == "B=\"x\"\na=\"1\"\nb=\"2\"");
    CHECK(kubevirt::format_map(Json::object()) == "");
}

TEST_CASE("what podman kube play cannot do is an error naming the volume") {
    CHECK(error_of([] { render(Json{{"kind", "VirtualMachine"}, {"spec", Json::object()}}); }) ==
          "VMI: is not a VirtualMachineInstance with a spec; expand the VM first (expand_vmi)");
}

TEST_CASE("persistent TPM and EFI state live in Podman volumes named like KubeVirt's PVC, on every Podman") {
    for (const char* podman : {"4.3", "5.4"}) {
        CAPTURE(podman);
        auto r = render(variant(R"({"spec": {"domain": {"devices": {"tpm": {"persistent": true}},
            "firmware": {"bootloader": {"efi": {"persistent": true, "secureBoot": false}}}}}})"), on_podman(podman));
        // KubeVirt's paths for a non-root VMI (pkg/util PathForNVram, PathForSwtpm, PathForSwtpmLocalca).
        for (const auto& [sub, path] : std::vector<std::pair<std::string, std::string>>{
                 {"nvram", "/var/run/kubevirt-private/libvirt/qemu/nvram"},
                 {"swtpm", "/var/run/kubevirt-private/libvirt/qemu/swtpm"},
                 {"swtpm-localca", "/var/run/kubevirt-private/var/lib/swtpm-localca"}}) {
            CAPTURE(sub);
            CHECK(named(r.spec()["volumes"], "vm-state-" + sub)["persistentVolumeClaim"]["claimName"] ==
                  "persistent-state-for-cirros-test-" + sub);
            CHECK(named(r.compute()["volumeMounts"], "vm-state-" + sub)["mountPath"] == path);
            CHECK(named(r.spec()["initContainers"][0]["volumeMounts"], "vm-state-" + sub)["mountPath"] == path);
        }
        std::string script = r.spec()["initContainers"][0]["command"][2];
        CHECK(script == "set -u; chown 107:107 /var/run/kubevirt-private/libvirt/qemu/nvram || exit 1; chown 107:107 "
                        "/var/run/kubevirt-private/libvirt/qemu/swtpm || exit 1; chown 107:107 "
                        "/var/run/kubevirt-private/var/lib/swtpm-localca || exit 1");
        CHECK(r.warned("/spec/domain: persists beyond the Pod, as KubeVirt's backend storage: the EFI variables (NVRAM) "
                       "in the volume persistent-state-for-cirros-test-nvram; the TPM's state in the volumes "
                       "persistent-state-for-cirros-test-swtpm and persistent-state-for-cirros-test-swtpm-localca"));
        if (std::string(podman) == "5.4")
            CHECK(r.pod["metadata"]["annotations"]["kubevirt-vm-to-pod/persistent-state"] ==
                  "efi=persistent-state-for-cirros-test-nvram; tpm=persistent-state-for-cirros-test-swtpm,"
                  "persistent-state-for-cirros-test-swtpm-localca");
    }
}

TEST_CASE("the same VMI renders to the same bytes") {
    CHECK(kubevirt::to_yaml(render(cirros()).pod) == kubevirt::to_yaml(render(cirros()).pod));
    CHECK(kubevirt::to_yaml(render(cirros(), on_podman("4.3")).pod) ==
          kubevirt::to_yaml(render(cirros(), on_podman("4.3")).pod));
}

TEST_CASE("Podman versions and restart policies") {
    CHECK(kubevirt::parse_podman_version("4.3.1").str() == "4.3");
    CHECK(kubevirt::parse_podman_version("5").str() == "5.0");
    CHECK(!kubevirt::parse_podman_version("5.2").has_image_volumes());
    CHECK(kubevirt::parse_podman_version("5.3").has_image_volumes());
    CHECK(error_of([] { kubevirt::parse_podman_version("five"); }) ==
          "--podman-version 'five': is not a Podman version; give major[.minor[.patch]], e.g. 4.3 or 5.4");
    CHECK(error_of([] { kubevirt::parse_podman_version("3.4"); }) ==
          "--podman-version: Podman 3.4 cannot run the Pod; kube play turns hostPath devices into devices from "
          "Podman 4.2 on: use 4.2 or later");

    struct Case {
        const char* spec;
        const char* policy;
        std::size_t warnings;
    };
    for (const auto& c : std::vector<Case>{{R"({"runStrategy": "Always"})", "Always", 0},
                                           {R"({"runStrategy": "RerunOnFailure"})", "OnFailure", 0},
                                           {R"({"runStrategy": "Manual"})", "Never", 0},
                                           {R"({"runStrategy": "Once"})", "Never", 0},
                                           {R"({"running": true})", "Always", 0},
                                           {R"({"running": false})", "Never", 1},
                                           {R"({"runStrategy": "Halted"})", "Never", 1}}) {
        CAPTURE(c.spec);
        kubevirt::Diagnostics d;
        Json vm = {{"kind", "VirtualMachine"}, {"spec", Json::parse(c.spec)}};
        CHECK(kubevirt::restart_policy_for(&vm, d) == c.policy);
        CHECK(d.size() == c.warnings);
    }
    kubevirt::Diagnostics d;
    CHECK(kubevirt::restart_policy_for(nullptr, d) == "Never");
}

// Found when a second real VM listing port 80 failed to start ("listen tcp4
// :80: bind: address already in use"): kube play before 4.8 publishes every
// containerPort on the host's port of the same number.
TEST_CASE("interface ports: the compute container lists them where kube play does not publish them") {
    const Json vmi = variant(R"({"spec": {"domain": {"devices": {"interfaces": [
        {"name": "default", "passtBinding": {}, "ports": [{"port": 80}, {"name": "dns", "port": 53, "protocol": "UDP"}]}]}}}})");
    struct Case {
        const char* podman;
        bool listed;
    };
    for (const Case c : {Case{"4.3", false}, Case{"4.7", false}, Case{"4.8", true}, Case{"5.4", true}}) {
        CAPTURE(c.podman);
        auto r = render(vmi, on_podman(c.podman));
        CHECK(r.compute().contains("ports") == c.listed);
        CHECK(r.warned("Pod /spec/containers/0/ports: left out: Podman " + std::string(c.podman) +
                       " would publish each containerPort on the host's port of the same number (KubeVirt only "
                       "documents them); the VM's ports answer on the pod's address; to publish one on purpose, "
                       "add it with a hostPort to the Pod") == !c.listed);
        if (c.listed)
            CHECK(r.compute()["ports"] == Json::parse(R"([{"protocol": "TCP", "containerPort": 80},
                                                          {"protocol": "UDP", "containerPort": 53, "name": "dns"}])"));
    }
}

TEST_CASE("virtiofs filesystems: KubeVirt's virtiofsd container per shared volume, its socket in a shared emptyDir") {
    auto r = render(variant(R"({"spec": {"domain": {"devices": {"filesystems": [
        {"name": "docs", "virtiofs": {}}, {"name": "ro", "virtiofs": {}}, {"name": "dv", "virtiofs": {}}]}},
        "volumes": [
        {"name": "containerdisk", "containerDisk": {"image": "quay.io/kubevirt/cirros-container-disk-demo:latest"}},
        {"name": "ro", "persistentVolumeClaim": {"claimName": "ro-claim", "readOnly": true}},
        {"name": "docs", "persistentVolumeClaim": {"claimName": "shared-docs"}},
        {"name": "dv", "dataVolume": {"name": "dv-claim"}}]}})"));
    // Compute, then one container per shared volume in volume order (not filesystem order).
    CHECK(names_of(r.spec()["containers"]) ==
          std::vector<std::string>{"compute", "virtiofs-ro", "virtiofs-docs", "virtiofs-dv", "guest-shutdown"});
    const Json& docs = r.spec()["containers"][2];
    CHECK(docs["command"] == Json::array({"/usr/libexec/virtiofsd"}));
    CHECK(docs["args"] == Json::array({"--socket-path=/var/run/kubevirt/virtiofs-containers/docs.sock",
                                       "--shared-dir=/docs", "--sandbox=none", "--cache=auto",
                                       "--migration-on-error=guest-error", "--migration-mode=find-paths"}));
    CHECK(docs["image"] == r.compute()["image"]);
    CHECK(docs["securityContext"] == Json{{"runAsUser", 107}, {"runAsGroup", 107}, {"runAsNonRoot", true},
                                          {"allowPrivilegeEscalation", false},
                                          {"capabilities", {{"drop", Json::array({"ALL"})}}}});
    CHECK(docs["resources"] == Json{{"limits", {{"cpu", "100m"}, {"memory", "80M"}}},
                                    {"requests", {{"cpu", "10m"}, {"memory", "1M"}}}});
    CHECK(!docs.contains("env"));  // no VMI: the hook gives it no device
    const std::string socket_volume = "virt-launcher-cirros-test-virtiofs-containers";
    CHECK(docs["volumeMounts"] == Json::array({{{"name", socket_volume}, {"mountPath", "/var/run/kubevirt/virtiofs-containers"}},
                                               {{"name", "docs"}, {"mountPath", "/docs"}}}));
    // A read-only claim stays read-only where virtiofsd sees it.
    CHECK(r.spec()["containers"][1]["volumeMounts"][1] == Json{{"name", "ro"}, {"mountPath", "/ro"}, {"readOnly", true}});
    // The socket directory: an emptyDir, the last volume, mounted in compute too.
    CHECK(r.spec()["volumes"].back() == Json{{"name", socket_volume}, {"emptyDir", Json::object()}});
    CHECK(named(r.compute()["volumeMounts"], socket_volume)["mountPath"] == "/var/run/kubevirt/virtiofs-containers");
    CHECK(named(r.compute()["volumeMounts"], "docs")["mountPath"] == "/var/run/kubevirt-private/vmi-disks/docs");
    CHECK(r.warned("/spec/volumes/2 (docs): becomes the Podman volume shared-docs, which virtiofsd (uid 107) shares "
                   "with the guest as the virtiofs tag docs; to share a host directory, create the volume as a bind of "
                   "it before podman kube play (which creates a missing volume empty): podman volume create --opt "
                   "type=none --opt o=bind --opt device=/DIR shared-docs"));

    // Guaranteed QoS: requests equal the limits, as ResourcesForVirtioFSContainer sets them.
    auto g = render(variant(R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "docs", "virtiofs": {}}]},
        "resources": {"requests": {"cpu": "1", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}}},
        "volumes": [{"name": "docs", "persistentVolumeClaim": {"claimName": "shared-docs"}}]}})"));
    CHECK(named(g.spec()["containers"], "virtiofs-docs")["resources"]["requests"] == Json{{"cpu", "100m"}, {"memory", "80M"}});

    // Without filesystems: neither the container nor the emptyDir.
    auto plain = render(cirros());
    CHECK(names_of(plain.spec()["containers"]) == std::vector<std::string>{"compute", "guest-shutdown"});
    CHECK(named(plain.spec()["volumes"], "virt-launcher-cirros-test-virtiofs-containers").is_null());
}

TEST_CASE("virtiofs: what KubeVirt does not share is an error naming the filesystem") {
    struct Case {
        const char* patch;
        const char* error;
    };
    for (const auto& c : std::vector<Case>{
             {R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "host", "virtiofs": {}}]}}, "volumes": [
                 {"name": "host", "hostDisk": {"path": "/srv/disk.img", "type": "Disk"}}]}})",
              "/spec/domain/devices/filesystems/0 (host): a virtiofs filesystem shares a persistentVolumeClaim, "
              "dataVolume, configMap, secret or downwardAPI volume; this one is hostDisk; share a host directory through a "
              "persistentVolumeClaim whose Podman volume binds it (podman volume create --opt type=none --opt o=bind "
              "--opt device=DIR NAME), or attach the volume as a disk"},
             {R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "scratch", "virtiofs": {}}]}}, "volumes": [
                 {"name": "scratch", "emptyDisk": {"capacity": "1Gi"}}]}})",
              "/spec/domain/devices/filesystems/0 (scratch): a virtiofs filesystem shares a persistentVolumeClaim, "
              "dataVolume, configMap, secret or downwardAPI volume; this one is emptyDisk; share a host directory through a "
              "persistentVolumeClaim whose Podman volume binds it (podman volume create --opt type=none --opt o=bind "
              "--opt device=DIR NAME), or attach the volume as a disk"},
             {R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "gone", "virtiofs": {}}]}}}})",
              "/spec/domain/devices/filesystems/0 (gone): names no volume; add a volume 'gone' to share, or remove "
              "the filesystem"},
             {R"({"spec": {"domain": {"devices": {"filesystems": [{"name": "docs"}]}}, "volumes": [
                 {"name": "docs", "persistentVolumeClaim": {"claimName": "docs"}}]}})",
              "/spec/domain/devices/filesystems/0 (docs): a filesystem without virtiofs: {} gets no device; add "
              "virtiofs: {}, the only filesystem type KubeVirt has"},
         }) {
        CAPTURE(c.patch);
        CHECK(error_of([&] { render(variant(c.patch)); }) == c.error);
    }
}
