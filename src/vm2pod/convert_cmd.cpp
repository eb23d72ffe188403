// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/convert_cmd.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/json_util.hpp"
#include "core/kubevirt/referenced_objects.hpp"
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
    auto docs = kubevirt::read_documents(*text, path);
    for (auto& d : docs) d.path = path;
    return docs;
}

/// The ConfigMaps the VM names and those holding its downwardAPI files, as
/// documents kube play reads before the Pod, and a setup line per Secret it
/// names (values never printed).
std::vector<kubevirt::Json> place_objects(const kubevirt::Json& vmi, const kubevirt::GivenObjects& objects,
                                          const kubevirt::PodmanVersion& podman, kubevirt::RenderedPod& rendered,
                                          kubevirt::Diagnostics& warnings) {
    std::vector<kubevirt::Json> config_maps;
    std::vector<std::string> done;
    for (const auto& ref : kubevirt::object_references(vmi["spec"])) {
        std::string key = ref.kind + "/" + ref.name;
        if (std::find(done.begin(), done.end(), key) != done.end()) continue;
        done.push_back(key);
        if (ref.kind == "ConfigMap") {
            config_maps.push_back(kubevirt::config_map_for_podman(objects.config_maps.at(ref.name).doc));
            continue;
        }
        if (!objects.secrets.count(ref.name)) {
            // Measured: kube play reads a secret volume's Podman secret as a
            // document (4.3: {data: {KEY: TEXT}}, values as they are; 5.x a
            // Kubernetes Secret); one made from a plain file fails the play
            // with a YAML error that quotes its first bytes.
            warnings.push_back({"--podman-secret " + ref.name,
                                "the Podman secret " + text::quoted(ref.name) + " is used as it is: podman kube play " +
                                    (podman.at_least(4, 5) ? "reads it as a Kubernetes Secret (data base64, stringData text)"
                                                           : "reads it as {\"data\": {KEY: TEXT}}, each value as it is") +
                                    "; one made from a plain file (podman secret create NAME FILE) fails kube play "
                                    "with a YAML error showing its first bytes: make it with kubevirt-vm-to-pod "
                                    "podman-secret --podman-version " + podman.str() + " NAME FILE | podman secret "
                                    "create NAME -; kube play writes its files into the Podman volume " +
                                    text::quoted(ref.name) + ", which stays after kube down"});
            continue;
        }
        const auto& secret = objects.secrets.at(ref.name);
        rendered.setup.push_back({"Secret " + ref.name, kubevirt::podman_secret_setup(secret, podman)});
        warnings.push_back({secret.source, "podman kube play writes this Secret's files into the Podman volume " +
                                               text::quoted(ref.name) + " (root-owned, mode 0644), which stays after "
                                               "kube down: podman volume rm " + text::quoted(ref.name) + " to remove them"});
    }
    for (auto& downward : rendered.config_maps) config_maps.push_back(std::move(downward));
    return config_maps;
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

std::string yaml_with_setup(const std::vector<kubevirt::SetupStep>& setup, const kubevirt::Json& pod,
                            const std::vector<kubevirt::Json>& before) {
    std::string out;
    if (!setup.empty()) {
        out += "# Before podman kube play, run once:\n";
        // A comment line must stay one line, or the rest of a command would
        // become YAML that podman kube play reads.
        for (const auto& step : setup) out += "#   " + text::one_line(step.command) + "\n";
    }
    for (const auto& doc : before) out += kubevirt::to_yaml(doc) + "---\n";
    return out + kubevirt::to_yaml(pod);
}

}  // namespace

std::string run_podman_secret(const PodmanSecretOptions& options) {
    const auto podman = kubevirt::parse_podman_version(options.podman_version);
    std::vector<std::string> names;
    for (auto& d : read_input(options.file, nullptr)) {
        if (kubevirt::role_of(d.doc) != kubevirt::DocumentRole::Secret) continue;
        kubevirt::GivenObject secret{std::move(d.doc), d.source, d.path};
        const kubevirt::Json* name = find_path(secret.doc, {"metadata", "name"});
        std::string this_name = name && name->is_string() ? name->template get<std::string>() : std::string();
        if (this_name == options.name) return kubevirt::podman_secret_document(secret, podman);
        names.push_back(text::quoted(this_name));
    }
    throw Error("holds no Secret named " + text::quoted(options.name) +
                    (names.empty() ? std::string(" (no Secret at all)") : " (only " + text::join(names, ", ") + ")"),
                options.file, "name a Secret the file holds");
}

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
    std::vector<kubevirt::SourcedDocument> objects;
    auto read_objects = [&](const std::vector<std::string>& files, const char* flag) {
        for (const auto& file : files) {
            if (file.empty() || file == "-")
                throw Error("cannot read stdin", flag, "give a file (the VM may come from stdin)");
            for (auto& d : read_input(file, stdin_stream)) objects.push_back(std::move(d));
        }
    };
    read_objects(options.secret_files, "--secret-file");
    read_objects(options.configmap_files, "--configmap-file");
    kubevirt::VmInput input = kubevirt::select_input(main_docs, instancetypes, preferences, objects);
    for (const auto& name : options.podman_secrets) {
        if (auto it = input.objects.secrets.find(name); it != input.objects.secrets.end())
            throw Error("names the Secret " + text::quoted(name) + ", which " + it->second.source + " gives too",
                        "--podman-secret", "give it once: its document, or --podman-secret for Podman's own");
        input.objects.podman_secrets.insert(name);
    }

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
    auto config_maps = place_objects(vmi, input.objects, pod_options.podman, rendered, out.warnings);
    if (options.output == "json" && !config_maps.empty())
        throw Error("the Pod needs ConfigMaps (the VM's own or its downwardAPI files), which podman kube play reads as "
                    "documents beside the Pod",
                    "--output json",
                    "use --output yaml (one file: the ConfigMaps, then the Pod)");

    if (options.for_unit) {
        out.vm_name = rendered.pod["metadata"]["ownerReferences"][0]["name"].get<std::string>();
        out.pod_grace_seconds = rendered.pod["spec"]["terminationGracePeriodSeconds"].get<std::int64_t>();
        out.imported_volumes = rendered.imported_volumes;
        out.podman = pod_options.podman;
        // The unit runs the setup itself: its YAML is the documents kube play reads, no comment.
        out.text = options.output == "json" ? kubevirt::yaml_safe_json(rendered.pod.dump(2)) + "\n"
                                            : yaml_with_setup({}, rendered.pod, config_maps);
    } else {
        out.text = options.output == "json" ? kubevirt::yaml_safe_json(rendered.pod.dump(2)) + "\n"
                                            : yaml_with_setup(rendered.setup, rendered.pod, config_maps);
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
