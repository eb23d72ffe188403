// SPDX-License-Identifier: Apache-2.0
// VirtualMachineInstancePresets (presets.cpp): label selectors, what a preset
// gives and what the VM keeps, conflicts, the exclusion annotation.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/presets.hpp"
#include "vmi_support.hpp"

using namespace kvpod::testing;
using kvpod::kubevirt::label_selector_matches;

namespace {

/// expand_vmi() of `vm_yaml` with the presets `preset_yamls` given beside it.
Expanded expand_with(const std::string& vm_yaml, const std::vector<std::string>& preset_yamls) {
    kvpod::kubevirt::VmInput input;
    input.source = "vm.yaml";
    input.vm = yaml(vm_yaml, "vm.yaml");
    for (std::size_t i = 0; i < preset_yamls.size(); ++i) {
        const std::string source = "vm.yaml (document " + std::to_string(i + 1) + ")";
        input.presets.push_back({yaml(preset_yamls[i], source), source, "vm.yaml"});
    }
    Expanded out;
    out.vmi = kvpod::kubevirt::expand_vmi(input, {}, out.diagnostics);
    return out;
}

std::string expand_error_with(const std::string& vm_yaml, const std::vector<std::string>& preset_yamls) {
    return error_of([&] { expand_with(vm_yaml, preset_yamls); });
}

std::string vmi(const std::string& labels, const std::string& domain, const std::string& annotations = "{}") {
    return "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: v, labels: " + labels +
           ", annotations: " + annotations + "}\nspec: {domain: " + domain + "}\n";
}

std::string preset(const std::string& name, const std::string& selector, const std::string& domain,
                   const std::string& namespace_name = "") {
    return "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstancePreset\nmetadata: {name: " + name +
           (namespace_name.empty() ? "" : ", namespace: " + namespace_name) + "}\nspec: {selector: " + selector +
           ", domain: " + domain + "}\n";
}

std::string warnings(const Expanded& e) {
    std::string out;
    for (const auto& d : e.diagnostics) out += d.where + ": " + d.message + "\n";
    return out;
}

}  // namespace

TEST_CASE("label selectors select as Kubernetes' do") {
    const Json labels = yaml("{os: win10, size: large}");
    struct Case {
        const char* selector;
        bool matches;
    };
    for (const auto& c : std::vector<Case>{
             {"{}", true},  // empty: everything
             {"{matchLabels: {os: win10}}", true},
             {"{matchLabels: {os: win10, size: small}}", false},
             {"{matchLabels: {arch: arm}}", false},
             {"{matchExpressions: [{key: os, operator: In, values: [win7, win10]}]}", true},
             {"{matchExpressions: [{key: os, operator: NotIn, values: [win7, win10]}]}", false},
             {"{matchExpressions: [{key: arch, operator: NotIn, values: [arm]}]}", true},  // no label: not in
             {"{matchExpressions: [{key: size, operator: Exists}]}", true},
             {"{matchExpressions: [{key: size, operator: DoesNotExist}]}", false},
             {"{matchExpressions: [{key: gpu, operator: DoesNotExist}]}", true},
             {"{matchLabels: {os: win10}, matchExpressions: [{key: size, operator: In, values: [small]}]}", false},
         }) {
        CAPTURE(c.selector);
        CHECK(label_selector_matches(yaml(c.selector), labels, "p.yaml:/spec/selector") == c.matches);
    }
}

TEST_CASE("a label selector that cannot be read is an exact error") {
    const Json labels = yaml("{os: win10}");
    struct Case {
        const char* selector;
        const char* error;
    };
    for (const auto& c : std::vector<Case>{
             {"{matchExpressions: [{key: os, operator: In}]}",
              "p.yaml:/spec/selector/matchExpressions/0: operator In needs values; list the label values it selects "
              "in values"},
             {"{matchExpressions: [{key: os, operator: Exists, values: [a]}]}",
              "p.yaml:/spec/selector/matchExpressions/0: operator Exists takes no values; remove values, or use In "
              "or NotIn"},
             {"{matchExpressions: [{key: os, operator: Gt, values: ['1']}]}",
              "p.yaml:/spec/selector/matchExpressions/0: operator 'Gt' is no label selector operator; use In, NotIn, "
              "Exists or DoesNotExist"},
         }) {
        CAPTURE(c.selector);
        CHECK(error_of([&] { label_selector_matches(yaml(c.selector), labels, "p.yaml:/spec/selector"); }) == c.error);
    }
}

TEST_CASE("a preset gives what the VMI leaves unset and is named in an annotation") {
    auto e = expand_with(vmi("{os: win10}", "{devices: {}}"),
                         {preset("win", "{matchLabels: {os: win10}}",
                                 "{cpu: {cores: 2}, resources: {requests: {memory: 1Gi}}, clock: {utc: {}, timer: "
                                 "{hpet: {present: false}}}, features: {acpi: {}}, devices: {watchdog: {name: w, "
                                 "i6300esb: {action: poweroff}}}, ioThreadsPolicy: shared}")});
    CHECK(at(e.vmi, "/spec/domain/cpu/cores") == 2);
    CHECK(at(e.vmi, "/spec/domain/resources/requests/memory") == "1Gi");
    CHECK(at(e.vmi, "/spec/domain/clock/utc").is_object());
    CHECK(at(e.vmi, "/spec/domain/clock/timer/hpet/present") == false);
    CHECK(at(e.vmi, "/spec/domain/features/acpi").is_object());
    CHECK(at(e.vmi, "/spec/domain/devices/watchdog/name") == "w");
    CHECK(at(e.vmi, "/spec/domain/ioThreadsPolicy") == "shared");
    CHECK(at(e.vmi, "/metadata/annotations/virtualmachinepreset.kubevirt.io~1win") == "kubevirt.io/v1");
    CHECK(warnings(e).find("deprecated in KubeVirt and will be removed in v2") != std::string::npos);
}

TEST_CASE("what the VMI sets wins: the preset is applied in part, or not at all, with a warning") {
    SUBCASE("in part: requests the VMI has stay whole; the preset's CPU is copied") {
        auto e = expand_with(vmi("{os: win10}", "{resources: {requests: {memory: 512Mi}}}"),
                             {preset("win", "{}", "{cpu: {cores: 2}, resources: {requests: {memory: 1Gi, cpu: '1'}}}")});
        CHECK(at(e.vmi, "/spec/domain/resources/requests/memory") == "512Mi");
        CHECK(at(e.vmi, "/spec/domain/resources/requests/cpu") != "1");
        CHECK(at(e.vmi, "/spec/domain/cpu/cores") == 2);
        CHECK(at(e.vmi, "/metadata/annotations/virtualmachinepreset.kubevirt.io~1win") == "kubevirt.io/v1");
        CHECK(warnings(e).find("vm.yaml (document 1): some settings of the VirtualMachineInstancePreset 'win' were "
                               "not applied (the VM sets them): spec.resources.requests[memory]: \"1Gi\" != "
                               "\"512Mi\"\n") != std::string::npos);
    }
    SUBCASE("not at all") {
        auto e = expand_with(vmi("{os: win10}", "{cpu: {cores: 6}}"), {preset("four", "{}", "{cpu: {cores: 4}}")});
        CHECK(at(e.vmi, "/spec/domain/cpu/cores") == 6);
        CHECK(at(e.vmi, "/metadata/annotations/virtualmachinepreset.kubevirt.io~1four").is_null());
        CHECK(warnings(e).find("vm.yaml (document 1): the VirtualMachineInstancePreset 'four' is not applied: the VM "
                               "sets otherwise everything it would set (spec.cpu: {\"cores\":4} != {\"cores\":6})\n") !=
              std::string::npos);
    }
}

TEST_CASE("presets that conflict refuse the VM, as KubeVirt's webhook refuses the VMI") {
    CHECK(expand_error_with(vmi("{os: win10}", "{}"),
                            {preset("b", "{}", "{cpu: {cores: 4}}"), preset("a", "{}", "{cpu: {cores: 2}}")}) ==
          "vm.yaml: VirtualMachineInstancePresets cannot be applied due to conflicts: presets 'b' and 'a' conflict: "
          "spec.cpu: {\"cores\":4} != {\"cores\":2}; make the presets that select this VM agree, or change their "
          "selectors");
}

TEST_CASE("presets of another namespace, and a VMI that excludes them, are left out with a warning") {
    auto other = expand_with(vmi("{os: win10}", "{}"), {preset("win", "{}", "{cpu: {cores: 2}}", "prod")});
    CHECK(at(other.vmi, "/spec/domain/cpu/cores") != 2);  // the default, not the preset's
    CHECK(warnings(other).find("vm.yaml (document 1): the VirtualMachineInstancePreset 'win' is of the namespace "
                               "'prod', the VMI of 'default': not applied") != std::string::npos);
    auto excluded = expand_with(
        vmi("{os: win10}", "{}", "{virtualmachineinstancepresets.admission.kubevirt.io/exclude: 'true'}"),
        {preset("win", "{}", "{cpu: {cores: 2}}")});
    CHECK(at(excluded.vmi, "/spec/domain/cpu/cores") != 2);
    CHECK(warnings(excluded).find("excludes it from every VirtualMachineInstancePreset: none applied") !=
          std::string::npos);
}

TEST_CASE("a preset without a selector or a domain is refused, as KubeVirt's schema and admitter refuse it") {
    const std::string no_selector =
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstancePreset\nmetadata: {name: p}\nspec: {domain: {}}\n";
    CHECK(expand_error_with(vmi("{os: win10}", "{}"), {no_selector}) ==
          "vm.yaml (document 1):/spec/selector: missing; a VirtualMachineInstancePreset needs spec.selector "
          "(KubeVirt's schema requires it); add spec.selector with the matchLabels of the VMs it applies to ({} "
          "selects every VM)");
    const std::string no_domain =
        "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstancePreset\nmetadata: {name: p}\nspec: {selector: {}}\n";
    CHECK(expand_error_with(vmi("{os: win10}", "{}"), {no_domain}) ==
          "vm.yaml (document 1):/spec/domain: missing domain (KubeVirt's preset admitter requires it); add spec.domain "
          "with the settings the preset gives");
}
