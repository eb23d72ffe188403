// SPDX-License-Identifier: Apache-2.0
// Golden Pods: every document of KubeVirt's examples (tests/data/kubevirt-
// examples) through the converter's command, with the instancetype and
// preference documents of the corpus given to the VMs that name them, and
// the worked example of reference 3.8 (tests/data/vm2pod). A document that
// converts has tests/golden/vm2pod/<name>.yaml (stdout) and, when it warns,
// <name>.stderr; one that fails has <name>.err. UPDATE_GOLDEN=1 rewrites them.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/json_util.hpp"
#include "fake_root.hpp"
#include "golden.hpp"
#include "pod_support.hpp"
#include "vm2pod/convert_cmd.hpp"
#include "vm2pod/install_cmd.hpp"
#include "core/kubevirt/vm_input.hpp"

using namespace kvpod;
using kvpod::testing::data_dir;
using kvpod::testing::golden;
using kvpod::testing::updating_goldens;
using Json = nlohmann::json;

namespace {

struct Outcome {
    std::string out;
    std::string err;
    bool ok = false;
};

Outcome run(const vm2pod::CommandOptions& options) {
    Outcome o;
    try {
        auto result = vm2pod::run_convert(options, stdin);
        o.out = result.text;
        o.err = vm2pod::format_stderr(result);
        o.ok = true;
    } catch (const Error& e) {
        o.err = "kubevirt-vm-to-pod: error: " + e.message() + "\n";
    }
    return o;
}

void remove_golden(const std::string& relative) {
    std::filesystem::remove(data_dir() + "/golden/" + relative);
}

/// Compares `o` with the goldens of `name`, and checks what every Pod must be.
void check_against_goldens(const std::string& name, const Outcome& o) {
    std::string base = "vm2pod/" + name;
    if (!o.ok) {
        CHECK(o.err == golden(base + ".err", o.err));
        if (updating_goldens()) remove_golden(base + ".yaml"), remove_golden(base + ".stderr");
        CHECK(o.out.empty());
        return;
    }
    CHECK(o.out == golden(base + ".yaml", o.out));
    if (!o.err.empty()) CHECK(o.err == golden(base + ".stderr", o.err));
    else if (updating_goldens()) remove_golden(base + ".stderr");
    else CHECK(!std::filesystem::exists(data_dir() + "/golden/" + base + ".stderr"));
    if (updating_goldens()) remove_golden(base + ".err");

    // ConfigMaps the VM names come first, as documents kube play reads: the Pod is the last one.
    auto separator = o.out.rfind("\n---\n");
    Json pod = document::parse_yaml(separator == std::string::npos ? o.out : o.out.substr(separator + 5), name);
    for (const auto& problem : kvpod::testing::pod_problems(pod)) FAIL_CHECK(name << ": " << problem);
    Json vmi_env = kvpod::testing::named(pod["spec"]["containers"][0]["env"], "STANDALONE_VMI");
    REQUIRE(vmi_env.is_object());
    Json vmi = document::parse_json(vmi_env["value"].get<std::string>(), "STANDALONE_VMI");
    CHECK(vmi["kind"] == "VirtualMachineInstance");
    CHECK(vmi["status"].contains("runtimeUser"));
    CHECK(pod["metadata"]["name"] == "virt-launcher-" + vmi["metadata"]["name"].get<std::string>());
}

std::string class_of(const std::string& kind) {
    return kind.find("Cluster") != std::string::npos ? "cluster" : "namespaced";
}

}  // namespace

TEST_CASE("every document of KubeVirt's examples converts or fails as its golden says") {
    REQUIRE(::chdir((data_dir() + "/data").c_str()) == 0);
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator("kubevirt-examples"))
        if (entry.path().extension() == ".yaml") files.push_back(entry.path().filename().string());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() == 47);

    // The corpus' instancetypes and preferences, by kind class and name.
    std::map<std::string, std::string> referable;
    std::map<std::string, Json> docs;
    for (const auto& f : files) {
        std::string path = "kubevirt-examples/" + f;
        docs[f] = document::parse_yaml(testing::read_file(path), path);
        auto role = kubevirt::role_of(docs[f]);
        if (role == kubevirt::DocumentRole::Instancetype || role == kubevirt::DocumentRole::Preference)
            referable[class_of(docs[f]["kind"]) + "/" + docs[f]["metadata"]["name"].get<std::string>()] = path;
    }
    std::size_t converted = 0;
    for (const auto& f : files) {
        CAPTURE(f);
        vm2pod::CommandOptions options;
        options.input = "kubevirt-examples/" + f;
        for (const char* field : {"instancetype", "preference"}) {
            const Json* matcher = find_path(docs[f], {"spec", field});
            if (!matcher) continue;
            std::string kind = matcher->value("kind", std::string());
            std::string key = class_of(kind.empty() ? "Cluster" : kind) + "/" + matcher->value("name", std::string());
            auto it = referable.find(key);
            REQUIRE_MESSAGE(it != referable.end(), "the corpus has no " << key);
            (std::string(field) == "instancetype" ? options.instancetype_file : options.preference_file) = it->second;
        }
        Outcome first = run(options);
        check_against_goldens(f.substr(0, f.size() - 5), first);
        if (first.ok) ++converted;
        Outcome again = run(options);
        CHECK(again.out == first.out);  // deterministic
        CHECK(again.err == first.err);
    }
    MESSAGE(converted << " of " << files.size() << " documents convert");
}

TEST_CASE("the test VMs of tests/data/vm2pod: reference 3.8 on Podman 5.4 and 4.3, passt or not, instancetypes, common instancetypes, Secrets and ConfigMaps, downwardAPI, presets") {
    REQUIRE(::chdir((data_dir() + "/data").c_str()) == 0);
    struct Case {
        const char* golden;
        const char* input;
        const char* podman;
        bool passt;
        const char* instancetype;
        const char* preference;
    };
    for (const auto& c : std::vector<Case>{
             {"cirros-test-vm", "cirros-test-vm", "5.4", true, "", ""},
             {"cirros-test-vm-podman4.3", "cirros-test-vm", "4.3.1", true, "", ""},
             {"cirros-test-vm-no-passt", "cirros-test-vm", "5.4", false, "", ""},
             {"cirros-clarge-virtio-vm", "cirros-clarge-virtio-vm", "5.4", true, "clarge", "virtio"},
             {"cirros-cluster-csmall-vm", "cirros-cluster-csmall-vm", "5.4", true, "cluster-csmall", ""},
             // KubeVirt's common instancetype and preference, from the embedded bundle.
             {"fedora-u1-medium-vm", "fedora-u1-medium-vm", "5.4", true, "", ""},
             // Windows 11: persistent TPM and EFI (secure boot), a PVC root, on both Podmans.
             {"windows11-vm", "windows11-vm", "5.4", true, "", ""},
             {"windows11-vm-podman4.3", "windows11-vm", "4.3.1", true, "", ""},
             // Secrets and ConfigMaps beside the VM: user data, an SSH key, disks.
             {"cirros-secrets-vm", "cirros-secrets-vm", "5.4", true, "", ""},
             {"cirros-secrets-vm-podman4.3", "cirros-secrets-vm", "4.3.1", true, "", ""},
             // A host directory shared over virtiofs (a PVC bound to it), on both Podmans.
             {"fedora-virtiofs-vm", "fedora-virtiofs-vm", "5.4", true, "", ""},
             {"fedora-virtiofs-vm-podman4.3", "fedora-virtiofs-vm", "4.3.1", true, "", ""},
             // A downwardAPI volume: the Pod's labels, annotations, name and namespace in a ConfigMap.
             {"cirros-downwardapi-vm", "cirros-downwardapi-vm", "5.4", true, "", ""},
             {"cirros-downwardapi-vm-podman4.3", "cirros-downwardapi-vm", "4.3.1", true, "", ""},
             // VirtualMachineInstancePresets beside the VM: applied, kept, not selecting.
             {"presets-vm", "presets-vm", "5.4", true, "", ""},
         }) {
        CAPTURE(c.golden);
        vm2pod::CommandOptions options;
        options.input = std::string("vm2pod/") + c.input + ".yaml";
        options.podman_version = c.podman;
        options.convert.passt = c.passt;
        if (*c.instancetype) options.instancetype_file = std::string("kubevirt-examples/") + c.instancetype + ".yaml";
        if (*c.preference) options.preference_file = std::string("kubevirt-examples/") + c.preference + ".yaml";
        Outcome o = run(options);
        CHECK(o.ok);
        check_against_goldens(c.golden, o);
        // A Secret's values reach Podman through podman secret create only.
        for (const char* value : {"SECRET-VALUE", "c3NoLWVkMjU1MTk"}) {
            CHECK(o.out.find(value) == std::string::npos);
            CHECK(o.err.find(value) == std::string::npos);
        }
    }
}

TEST_CASE("a Secret Podman already holds (--podman-secret): no document, no setup line, a warning of the form kube play reads") {
    REQUIRE(::chdir((data_dir() + "/data").c_str()) == 0);
    vm2pod::CommandOptions options;
    options.input = "vm2pod/podman-secret-vm.yaml";
    Outcome missing = run(options);
    CHECK(missing.err ==
          "kubevirt-vm-to-pod: error: vm2pod/podman-secret-vm.yaml: names the Secret 'app-secret' "
          "(/spec/template/spec/volumes/1/secret/secretName), which is not given; add its Kubernetes document "
          "(apiVersion: v1, kind: Secret) to the VM's file after a --- line, or give it with --secret-file FILE (or, "
          "for a Secret Podman already holds in kube play's form, --podman-secret NAME)\n");
    struct Case {
        const char* podman;
        const char* form;
    };
    for (const Case c : {Case{"4.3.1", "reads it as {\"data\": {KEY: TEXT}}, each value as it is"},
                         Case{"5.4", "reads it as a Kubernetes Secret (data base64, stringData text)"}}) {
        CAPTURE(c.podman);
        options.podman_version = c.podman;
        options.podman_secrets = {"app-secret"};
        Outcome o = run(options);
        REQUIRE(o.ok);
        CHECK(o.out.find("podman secret create") == std::string::npos);
        CHECK(o.err.find("before podman kube play, run: kubevirt-vm-to-pod podman-secret") == std::string::npos);
        CHECK(o.err.find("kubevirt-vm-to-pod: warning: --podman-secret app-secret: the Podman secret 'app-secret' is "
                         "used as it is: podman kube play " + std::string(c.form) +
                         "; one made from a plain file (podman secret create NAME FILE) fails kube play with a YAML "
                         "error showing its first bytes: make it with kubevirt-vm-to-pod podman-secret "
                         "--podman-version " + std::string(c.podman).substr(0, 3) + " NAME FILE | podman secret create "
                         "NAME -; kube play writes its files into the Podman volume 'app-secret', which stays after "
                         "kube down\n") != std::string::npos);
        Json pod = document::parse_yaml(o.out.substr(o.out.rfind("apiVersion: v1\nkind: Pod")), "pod");
        CHECK(kvpod::testing::named(pod["spec"]["volumes"], "app-secret") ==
              Json{{"name", "app-secret"}, {"secret", {{"secretName", "app-secret"}, {"optional", false}}}});
    }
    // Its document and --podman-secret both: which one is meant is unclear.
    options.input = "vm2pod/cirros-secrets-vm.yaml";
    options.podman_secrets = {"app-secret"};
    CHECK(run(options).err ==
          "kubevirt-vm-to-pod: error: --podman-secret: names the Secret 'app-secret', which "
          "vm2pod/cirros-secrets-vm.yaml (document 5) gives too; give it once: its document, or --podman-secret for "
          "Podman's own\n");
}

TEST_CASE("DataVolumes (tests/data/datavolumes): each source kind on Podman 5.4 and 4.3") {
    REQUIRE(::chdir((data_dir() + "/data").c_str()) == 0);
    for (const char* podman : {"5.4", "4.3.1"}) {
        CAPTURE(podman);
        vm2pod::CommandOptions options;
        options.input = "datavolumes/dv-sources.yaml";
        options.podman_version = podman;
        Outcome o = run(options);
        CHECK(o.ok);
        check_against_goldens(std::string("dv-sources-podman") + podman, o);
        if (!o.ok) continue;
        // Every DataVolume is filled by one init container of CDI's importer,
        // in volume order, on the volume that compute mounts at vmi-disks.
        Json pod = document::parse_yaml(o.out, "pod");
        const Json& init = pod["spec"]["initContainers"];
        std::vector<std::string> names;
        for (const auto& c : init) names.push_back(c["name"]);
        CHECK(names == std::vector<std::string>{"import-root", "import-data", "import-registry", "import-local", "import-copy"});
        for (const auto& c : init) {
            CHECK(c["image"] == "quay.io/kubevirt/cdi-importer:v1.64.0");
            CHECK(c["volumeMounts"][0]["mountPath"] == "/data");
        }
        if (std::string(podman) == "5.4")
            CHECK(pod["metadata"]["annotations"]["kubevirt-vm-to-pod/persistent-state"] ==
                  "disk root=dv-sources-root; disk data=dv-sources-data; disk registry=dv-sources-registry; "
                  "disk local=dv-sources-local; disk copy=dv-sources-copy");
        // Over 63 characters: Podman 4.3's kube play would reject it (the warning says what persists).
        if (std::string(podman) == "4.3.1") {
            CHECK(!pod["metadata"]["annotations"].contains("kubevirt-vm-to-pod/persistent-state"));
            CHECK(pod["spec"]["restartPolicy"] == "Never");
        }
    }
}

TEST_CASE("DataVolumes under install: the Pod and the unit written, on Podman 5.4 (Quadlet) and 4.3 (plain)") {
    REQUIRE(::chdir((data_dir() + "/data").c_str()) == 0);
    struct Case {
        const char* podman;
        const char* pod_file;
        const char* unit_file;
    };
    for (const Case c : {Case{"5.4", "/etc/containers/systemd/virt-launcher-dv-sources.yaml",
                              "/etc/containers/systemd/virt-launcher-dv-sources.kube"},
                         Case{"4.3.1", "/etc/kubevirt-vm-to-pod/pods/virt-launcher-dv-sources.yaml",
                              "/etc/systemd/system/virt-launcher-dv-sources.service"}}) {
        CAPTURE(c.podman);
        kvpod::testing::FakeRoot root;
        vm2pod::InstallOptions options;
        options.convert.input = "datavolumes/dv-sources.yaml";
        options.convert.podman_version = c.podman;
        options.convert.podman_version_given = true;
        options.convert.host_root = root.path();
        std::string err;
        vm2pod::run_install(options, stdin, err);
        // install names the VM file absolutely (the unit runs elsewhere): not this checkout's path in a golden.
        const std::string here = std::filesystem::current_path().string() + "/";
        for (auto at = err.find(here); at != std::string::npos; at = err.find(here)) err.erase(at, here.size());
        auto read = [&](const std::string& path) {
            std::FILE* f = std::fopen((root.path() + path).c_str(), "r");
            REQUIRE(f);
            std::string text;
            char buf[4096];
            for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
            std::fclose(f);
            return text;
        };
        const std::string pod_text = read(c.pod_file), unit_text = read(c.unit_file);
        const std::string base = std::string("dv-sources-unit-podman") + c.podman;
        CHECK(pod_text == golden("vm2pod/" + base + ".yaml", pod_text));
        CHECK(err == golden("vm2pod/" + base + ".stderr", err));
        CHECK(unit_text == golden(std::string("units/dv-sources-") + c.podman +
                                      (std::string(c.podman) == "5.4" ? ".kube" : ".service"),
                                  unit_text));
        // The same imports as under kube play by hand, under a Pod the unit restarts.
        Json pod = document::parse_yaml(pod_text, "pod");
        CHECK(pod["spec"]["restartPolicy"] == "Never");
        CHECK(pod["spec"]["initContainers"].size() == 5);
        CHECK(pod["spec"]["initContainers"][0]["name"] == "import-root");
        // An import has no time limit: a start cut short would begin it again from nothing.
        CHECK(unit_text.find("TimeoutStartSec=infinity\n") != std::string::npos);
        CHECK(unit_text.find("TimeoutStartSec=900") == std::string::npos);
    }
}
