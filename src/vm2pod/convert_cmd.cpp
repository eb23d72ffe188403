// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/convert_cmd.hpp"

#include "core/error.hpp"
#include "core/kubevirt/pod_yaml.hpp"
#include "core/text.hpp"
#include "host/files.hpp"
#include "vm2pod/host_devices.hpp"
#include "core/kubevirt/vm_input.hpp"

namespace kvpod::vm2pod {
namespace {

constexpr std::size_t kMaxInputBytes = 4 * 1024 * 1024;

const std::string kTooBig = "a VM file is far smaller: give the VM and its instancetype and preference only";

std::string source_name(const std::string& path) { return path.empty() || path == "-" ? "stdin" : path; }

std::vector<kubevirt::SourcedDocument> read_input(const std::string& path, std::FILE* stdin_stream) {
    if (path.empty() || path == "-") {
        auto text = host::read_stream(stdin_stream, kMaxInputBytes, "stdin", kTooBig);
        return kubevirt::read_documents(text, "stdin");
    }
    auto text = host::read_file(path, kMaxInputBytes, false, kTooBig);
    return kubevirt::read_documents(*text, path);
}

/// Where a render message points: a JSON pointer into the VMI becomes one
/// into the user's file ("vm.yaml:/spec/template/spec/volumes/0"), since a
/// VM's template is the VMI. Other places ("Pod /spec/...", a flag) stay.
std::string locate(const std::string& where, const kubevirt::VmInput& input, bool is_vm) {
    if (where.empty() || where.front() != '/') return where;
    auto under = [&](std::string_view top) {
        return where.compare(0, top.size(), top) == 0 && (where.size() == top.size() || where[top.size()] == '/');
    };
    std::string pointer = where;
    if (is_vm && under("/spec")) pointer = "/spec/template/spec" + where.substr(5);
    else if (is_vm && under("/metadata")) pointer = "/spec/template/metadata" + where.substr(9);
    return input.source + ":" + pointer;
}

std::string yaml_with_setup(const kubevirt::RenderedPod& rendered) {
    std::string out;
    if (!rendered.setup.empty()) {
        out += "# Before podman kube play, run once:\n";
        // A comment line must stay one line, or the rest of a command would
        // become YAML that podman kube play reads.
        for (const auto& step : rendered.setup) out += "#   " + text::one_line(step.command) + "\n";
    }
    return out + kubevirt::to_yaml(rendered.pod);
}

}  // namespace

CommandOutput run_convert(const CommandOptions& options, std::FILE* stdin_stream) {
    if (options.output != "yaml" && options.output != "json")
        throw Error("unknown output format " + text::quoted(options.output), "--output", "use --output=yaml or --output=json");
    kubevirt::PodOptions pod_options;
    pod_options.podman = kubevirt::parse_podman_version(options.podman_version);

    auto main_docs = read_input(options.input, stdin_stream);
    if (main_docs.empty())
        throw Error("holds no document (it is empty or only comments)", source_name(options.input),
                    "give a VirtualMachine or VirtualMachineInstance in YAML or JSON");
    std::vector<kubevirt::SourcedDocument> instancetypes, preferences;
    if (!options.instancetype_file.empty()) instancetypes = read_input(options.instancetype_file, stdin_stream);
    if (!options.preference_file.empty()) preferences = read_input(options.preference_file, stdin_stream);
    kubevirt::VmInput input = kubevirt::select_input(main_docs, instancetypes, preferences);

    CommandOutput out;
    bool is_vm = input.vm.contains("kind") && input.vm["kind"] == "VirtualMachine";
    kubevirt::Diagnostics vm_warnings;
    if (options.for_unit) {
        // The unit restarts the VM, with backoff; the Pod's own restarts
        // would hide from it that the VM ended (and have none).
        try {
            out.policy = kubevirt::unit_policy_for(is_vm ? &input.vm : nullptr);
        } catch (const Error& e) {
            throw Error(e.what_failed(), input.source + ":" + e.where(), e.remedy());
        }
        pod_options.restart_policy = "Never";
        pod_options.stopped_by_unit = true;
    } else {
        pod_options.restart_policy = kubevirt::restart_policy_for(is_vm ? &input.vm : nullptr, vm_warnings);
    }
    for (auto& w : vm_warnings) out.warnings.push_back({input.source + ":" + w.where, std::move(w.message)});
    pod_options.data_volumes = kubevirt::read_data_volume_templates(input.vm, input.source);
    kubevirt::Json vmi = kubevirt::expand_vmi(input, options.convert, out.warnings);
    if (options.convert.mount_devices)
        pod_options.device_mounts = discover_device_mounts(
            vmi, {options.host_root, options.hook_config, options.hook_config_given}, out.warnings);

    kubevirt::Diagnostics render_warnings;
    kubevirt::RenderedPod rendered;
    try {
        rendered = kubevirt::render_launcher_pod(vmi, options.convert, pod_options, render_warnings);
    } catch (const Error& e) {
        if (e.where().empty() || e.where().front() != '/') throw;
        Error located(e.what_failed(), locate(e.where(), input, is_vm), e.remedy());
        for (auto it = e.contexts().rbegin(); it != e.contexts().rend(); ++it) located.context(*it);
        throw located;
    }
    for (auto& w : render_warnings) out.warnings.push_back({locate(w.where, input, is_vm), std::move(w.message)});

    if (options.for_unit) {
        out.vm_name = rendered.pod["metadata"]["ownerReferences"][0]["name"].get<std::string>();
        out.pod_grace_seconds = rendered.pod["spec"]["terminationGracePeriodSeconds"].get<std::int64_t>();
        out.podman = pod_options.podman;
        out.text = options.output == "json" ? kubevirt::yaml_safe_json(rendered.pod.dump(2)) + "\n"
                                            : kubevirt::to_yaml(rendered.pod);
    } else {
        out.text = options.output == "json" ? kubevirt::yaml_safe_json(rendered.pod.dump(2)) + "\n"
                                            : yaml_with_setup(rendered);
    }
    out.setup = std::move(rendered.setup);
    return out;
}

std::string format_stderr(const CommandOutput& output) {
    std::string err;
    for (const auto& w : output.warnings)
        err += text::one_line("kubevirt-vm-to-pod: warning: " + (w.where.empty() ? std::string() : w.where + ": ") + w.message) +
               "\n";
    for (const auto& step : output.setup)
        err += text::one_line("kubevirt-vm-to-pod: before podman kube play, run: " + step.command) + "\n";
    return err;
}

}  // namespace kvpod::vm2pod
