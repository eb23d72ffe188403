// SPDX-License-Identifier: Apache-2.0
// Every VMI expand_vmi() produces validates against KubeVirt's OpenAPI
// v1.VirtualMachineInstance, with unknown properties forbidden, so that a
// misspelt or misplaced field in our output fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "core/kubevirt/vm_document.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
using kvpod::kubevirt::ConvertOptions;

namespace {

/// Forbids properties a schema does not list, in every object schema that
/// lists properties or is an empty struct (InterfaceMasquerade...), and
/// lets int-or-string be an integer.
void close_schema(Json& schema) {
    if (!schema.is_object()) return;
    if (schema.contains("properties"))
        for (auto& [name, sub] : schema["properties"].items()) close_schema(sub);
    if (schema.contains("items")) close_schema(schema["items"]);
    if (schema.contains("additionalProperties")) close_schema(schema["additionalProperties"]);
    const bool has_properties = schema.contains("properties");
    const bool empty_struct = schema.value("type", Json()) == "object" && !schema.contains("additionalProperties");
    if ((has_properties || empty_struct) && !schema.contains("additionalProperties"))
        schema["additionalProperties"] = false;
    if (schema.value("format", "") == "int-or-string") schema["type"] = Json::array({"integer", "string"});
}

const valijson::Schema& vmi_schema() {
    static const std::unique_ptr<valijson::Schema> schema = [] {
        Json openapi = kvpod::document::parse_json(data_file("data/kubevirt-openapi/kubevirt-openapi.json"), "openapi");
        Json definitions = openapi["definitions"];
        for (auto& [name, def] : definitions.items()) {
            // Free-form by design.
            if (name == "k8s.io.apimachinery.pkg.runtime.RawExtension" ||
                name == "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1")
                continue;
            close_schema(def);
        }
        Json root = {{"$ref", "#/definitions/v1.VirtualMachineInstance"}, {"definitions", definitions}};
        auto parsed = std::make_unique<valijson::Schema>();
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft4);
        valijson::adapters::NlohmannJsonAdapter adapter(root);
        parser.populateSchema(adapter, *parsed);
        return parsed;
    }();
    return *schema;
}

/// The validation errors for `vmi`, one line each; empty when valid.
std::vector<std::string> schema_errors(const Json& vmi) {
    valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(vmi);
    validator.validate(vmi_schema(), target, &results);
    std::vector<std::string> out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        std::string path;
        for (const auto& part : error.context) path += part;
        out.push_back(path + ": " + error.description);
    }
    return out;
}

/// KubeVirt's example VMs and VMIs (the other documents are instancetypes,
/// policies...), by file name.
std::vector<std::string> example_vms() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir() + "/data/kubevirt-examples")) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".yaml") continue;
        if (kvpod::kubevirt::kind_of(yaml(example(name), name))) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("the schema check catches misspelt fields and wrong types (it can fail)") {
    Json vmi = expand(data_file("data/vmi/cirros-test.yaml")).vmi;
    CHECK(schema_errors(vmi).empty());
    Json misspelt = vmi;
    misspelt["spec"]["domain"]["memroy"] = {{"guest", "1Gi"}};
    CHECK_FALSE(schema_errors(misspelt).empty());
    Json in_empty_struct = vmi;
    in_empty_struct["spec"]["domain"]["devices"]["interfaces"][0]["passtBinding"]["mode"] = "x";
    CHECK_FALSE(schema_errors(in_empty_struct).empty());
    Json wrong_type = vmi;
    wrong_type["spec"]["domain"]["cpu"]["cores"] = "1";
    CHECK_FALSE(schema_errors(wrong_type).empty());
}

TEST_CASE("every VMI produced from KubeVirt's examples validates against v1.VirtualMachineInstance") {
    struct Mode {
        const char* name;
        ConvertOptions options;
        std::set<std::string> not_converting;
    };
    ConvertOptions passt, no_passt, arm64, s390x;
    no_passt.passt = false;
    arm64.host_architecture = "arm64";
    s390x.host_architecture = "s390x";
    // Instancetype examples fail without their documents (and conflict with
    // them, see vmi_instancetype_test); the others use what standalone lacks.
    const std::set<std::string> base_failures = {
        "vm-cirros-clarge-virtio.yaml",   "vm-cirros-clarge-windows.yaml",
        "vm-cirros-clarge.yaml",       "vm-cirros-cluster-csmall.yaml",  "vm-cirros-csmall.yaml",
        "vm-windows-clarge-windows.yaml", "vmi-dra-pgpu.yaml",           "vmi-sriov.yaml"};
    std::set<std::string> with_multus = base_failures;
    with_multus.insert({"vmi-multus-multiple-net.yaml", "vmi-multus-ptp.yaml"});
    const std::vector<Mode> modes = {
        {"passt", passt, with_multus},
        {"--no-passt", no_passt, base_failures},
        {"arm64 host", arm64, with_multus},
        {"s390x host", s390x, with_multus},
    };
    const auto names = example_vms();
    CHECK(names.size() == 34);  // the VMs and VMIs among the examples
    for (const auto& mode : modes) {
        CAPTURE(mode.name);
        std::set<std::string> failed;
        std::size_t validated = 0;
        for (const auto& name : names) {
            CAPTURE(name);
            Expanded out;
            try {
                out = expand(example(name), mode.options);
            } catch (const std::exception&) {
                failed.insert(name);
                continue;
            }
            CHECK(schema_errors(out.vmi) == std::vector<std::string>{});
            ++validated;
        }
        CHECK(failed == mode.not_converting);
        CHECK(validated == names.size() - mode.not_converting.size());
    }
}

TEST_CASE("VMIs with instancetypes, preferences and many devices validate too") {
    const std::string rich = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: rich
  namespace: lab
  uid: 3f1c2a8e-0000-4000-8000-000000000001
spec:
  instancetype: {name: u1}
  preference: {name: windows, kind: VirtualMachinePreference}
  template:
    metadata:
      labels: {app: rich}
      annotations: {note: x}
    spec:
      domain:
        devices:
          autoattachInputDevice: true
          disks:
          - {name: root, bootOrder: 1}
          - {name: iso, cdrom: {}}
          - {name: scratch, lun: {}}
          interfaces: [{name: default, ports: [{port: 22}]}]
          watchdog: {name: w}
          rng: {}
          gpus: [{name: g1, deviceName: nvidia.com/GA102GL_A10, virtualGPUOptions: {display: {ramFB: {}}}}]
          hostDevices: [{name: h1, deviceName: intel.com/qat}]
        features:
          hyperv: {evmcs: {}, synictimer: {direct: {}}, tlbflush: {direct: {}, extended: {}}, vendorid: {vendorid: x}}
        clock: {timezone: Europe/Paris, timer: {rtc: {track: guest}}}
      networks: [{name: default, pod: {}}]
      readinessProbe: {guestAgentPing: {}, initialDelaySeconds: 5}
      livenessProbe: {exec: {command: [cat, /tmp/ok]}}
      volumes:
      - {name: root, persistentVolumeClaim: {claimName: root-disk}}
      - {name: iso, containerDisk: {image: 'quay.io/x/iso:1'}}
      - {name: scratch, emptyDisk: {capacity: 1Gi}}
      - {name: cloud, cloudInitNoCloud: {userData: "#cloud-config"}}
      - {name: host, hostDisk: {path: /data/h.img, type: DiskOrCreate, capacity: 2Gi}}
)";
    const std::string u1 = "apiVersion: instancetype.kubevirt.io/v1beta1\nkind: VirtualMachineClusterInstancetype\n"
                           "metadata: {name: u1}\nspec: {cpu: {guest: 4}, memory: {guest: 4Gi, overcommitPercent: 10}, "
                           "annotations: {from: u1}}\n";
    auto out = expand(rich, {}, u1, example("windows.yaml"));
    CHECK(schema_errors(out.vmi) == std::vector<std::string>{});
    CHECK(at(out.vmi, "/metadata/ownerReferences/0/uid") == "3f1c2a8e-0000-4000-8000-000000000001");
    CHECK(at(out.vmi, "/spec/domain/clock/timezone") == "Europe/Paris");  // the VM's offset is kept

    ConvertOptions arm64;
    arm64.host_architecture = "arm64";
    CHECK(schema_errors(expand(rich, arm64, u1, example("windows.yaml")).vmi) == std::vector<std::string>{});
}
