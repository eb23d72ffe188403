// SPDX-License-Identifier: Apache-2.0
// Prints how long expand_vmi() takes per VM (the converter's target is under
// 5 ms per VM, Pod included). Run with `meson test -C build --benchmark`.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/kubevirt/convert.hpp"
#include "test_support.hpp"

namespace {

struct Case {
    const char* name;
    std::string vm;
    std::string instancetype;  // empty: none
    std::string preference;    // empty: none
};

double microseconds_per_run(const Case& c, int runs) {
    using Clock = std::chrono::steady_clock;
    kvpod::kubevirt::ConvertOptions options;
    std::size_t bytes = 0;
    auto start = Clock::now();
    for (int i = 0; i < runs; ++i) {
        kvpod::kubevirt::VmInput input;
        input.source = c.name;
        input.vm = kvpod::document::parse_yaml(c.vm, c.name);
        if (!c.instancetype.empty()) input.instancetype = kvpod::document::parse_yaml(c.instancetype, "it");
        if (!c.preference.empty()) input.preference = kvpod::document::parse_yaml(c.preference, "pref");
        kvpod::kubevirt::Diagnostics diagnostics;
        bytes += kvpod::kubevirt::expand_vmi(input, options, diagnostics).dump().size();
    }
    auto elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (bytes == 0) std::printf("no output\n");
    return elapsed / runs;
}

}  // namespace

int main() {
    using kvpod::testing::data_file;
    const std::string windows_vm = R"(
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: win}
spec:
  instancetype: {kind: VirtualMachineInstancetype, name: clarge}
  preference: {kind: VirtualMachinePreference, name: windows}
  template:
    spec:
      domain: {devices: {disks: [{name: root}]}}
      volumes: [{name: root, hostDisk: {path: /var/lib/images/win.img, type: Disk}}]
)";
    const std::vector<Case> cases = {
        {"cirros-test (YAML parse + expand)", data_file("data/vmi/cirros-test.yaml"), "", ""},
        {"vmi-windows example", data_file("data/kubevirt-examples/vmi-windows.yaml"), "", ""},
        {"VM + clarge + windows preference", windows_vm, data_file("data/kubevirt-examples/clarge.yaml"),
         data_file("data/kubevirt-examples/windows.yaml")},
    };
    constexpr int kRuns = 2000;
    for (const auto& c : cases) std::printf("expand_vmi %-36s %8.1f us/VM\n", c.name, microseconds_per_run(c, kRuns));
    return 0;
}
