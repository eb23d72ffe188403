// SPDX-License-Identifier: Apache-2.0
#include "hook/plan_command.hpp"

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/plan_table.hpp"
#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "core/kubevirt/vm_input.hpp"
#include "hook/device_flow.hpp"
#include "hook/precreate.hpp"
#include "host/files.hpp"
#include "host/host_root.hpp"

namespace kvpod::hook {

namespace {

std::vector<kubevirt::SourcedDocument> read_documents(const std::string& path, const HookConfig& config) {
    if (path.empty()) return {};
    auto text = host::read_file(path, config.spec_limits.max_bytes, false);
    return kubevirt::read_documents(*text, path);
}

/// The VMI kubevirt-vm-to-pod puts in STANDALONE_VMI for the VM of
/// `options`: what the hook reads at container start.
kubevirt::VmDocument rendered_vmi(const PlanOptions& options, const HookConfig& config) {
    auto input = with_context("reading the VM file", [&] {
        return kubevirt::select_input(read_documents(options.vm_file, config),
                                      read_documents(options.instancetype_file, config),
                                      read_documents(options.preference_file, config));
    });
    if (!options.instancetype_file.empty()) input.instancetype_source = options.instancetype_file;
    if (!options.preference_file.empty()) input.preference_source = options.preference_file;
    // The converter's warnings are its to print; the plan shows what they lead to.
    kubevirt::Diagnostics warnings;
    auto vmi = with_context("rendering the VMI as kubevirt-vm-to-pod does", [&] {
        return kubevirt::expand_vmi(input, kubevirt::ConvertOptions{}, warnings);
    });
    auto vm = kubevirt::read_vm_document(vmi, options.vm_file);
    // Messages point into the user's file: a VM's VMI spec is its template's.
    vm.kind = kubevirt::kind_of(input.vm).value_or(vm.kind);
    if (vm.kind == kubevirt::Kind::VirtualMachine) vm.spec_pointer = "/spec/template/spec";
    return vm;
}

}  // namespace

PlanOutcome make_plan(const PlanOptions& options) {
    HookConfig config = load_config(options.config_path);
    auto vm = rendered_vmi(options, config);
    host::HostRoot root(options.host_root);
    const std::set<std::string> none;
    DevicePlan plan = plan_devices(DeviceFlow{vm, options.vm_file, config, root, none, none, true});

    PlanHeader header;
    header.vm = std::string(kubevirt::kind_name(vm.kind)) + " " + vm.name + " (" + options.vm_file +
                "), planned as the VMI kubevirt-vm-to-pod renders for it";
    header.host_root = root.root();
    header.config = config.source.empty() ? options.config_path + " (absent: defaults)" : config.source;
    // 2, not 1, when only optional devices are missing: the hook would start the container.
    int status = !plan.ok() ? 1 : fully_granted(plan) ? 0 : 2;
    return PlanOutcome{render_plan(header, config, plan), status};
}

int run_plan(const PlanOptions& options) {
    PlanOutcome outcome = make_plan(options);
    host::write_stdout(outcome.table);
    return outcome.status;
}

}  // namespace kvpod::hook
