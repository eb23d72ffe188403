// SPDX-License-Identifier: Apache-2.0
#include "hook/plan_command.hpp"

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/plan_table.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "hook/device_flow.hpp"
#include "hook/precreate.hpp"
#include "host/files.hpp"
#include "host/host_root.hpp"

namespace kvpod::hook {

PlanOutcome make_plan(const PlanOptions& options) {
    HookConfig config = load_config(options.config_path);
    auto vm = with_context("reading the VM file", [&] {
        auto text = host::read_file(options.vm_file, config.spec_limits.max_bytes, false);
        auto doc = document::parse_json_or_yaml(*text, options.vm_file, config.spec_limits);
        return kubevirt::read_vm_document(doc, options.vm_file);
    });
    host::HostRoot root(options.host_root);
    const std::set<std::string> none;
    DevicePlan plan = plan_devices(DeviceFlow{vm, options.vm_file, config, root, none, none, true});

    PlanHeader header;
    header.vm = std::string(kubevirt::kind_name(vm.kind)) + " " + vm.name + " (" + options.vm_file + ")";
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
