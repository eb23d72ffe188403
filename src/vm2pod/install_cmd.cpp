// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/install_cmd.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/systemd_unit.hpp"
#include "core/text.hpp"
#include "host/run_program.hpp"
#include "host/unit_install.hpp"

namespace kvpod::vm2pod {
namespace {

std::string installed_podman(const std::string& podman) {
    const std::string fix = "give --podman-version, the version of the Podman that will run the unit";
    host::ProgramOutput run;
    try {
        run = host::run_program({podman, "--version"});
    } catch (const Error& e) {
        throw Error("cannot ask Podman for its version: " + e.what_failed(), podman + " --version", fix);
    }
    if (run.exit_status != 0)
        throw Error("exited " + std::to_string(run.exit_status) + ": " + text::one_line(run.err), podman + " --version",
                    fix);
    return podman_version_from(run.out);
}

std::string root_note(const std::string& host_root) { return host_root == "/" ? "" : " under " + host_root; }

}  // namespace

std::string podman_version_from(const std::string& version_output) {
    const std::string prefix = "podman version ";
    auto at = version_output.find(prefix);
    if (at == std::string::npos)
        throw Error("does not say a version: " + text::quoted(text::one_line(version_output)), "podman --version",
                    "give --podman-version");
    auto start = at + prefix.size();
    auto end = version_output.find_first_not_of("0123456789.", start);
    return version_output.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string run_install(const InstallOptions& options, std::FILE* stdin_stream, std::string& err) {
    CommandOptions convert = options.convert;
    convert.for_unit = true;
    // The unit's setup reads the Secrets' files again at every start, from
    // systemd's working directory: name them absolutely.
    for (auto* files : {&convert.secret_files, &convert.configmap_files})
        for (auto& file : *files)
            if (!file.empty() && file != "-") file = std::filesystem::absolute(file).lexically_normal().string();
    if (!convert.input.empty() && convert.input != "-")
        convert.input = std::filesystem::absolute(convert.input).lexically_normal().string();
    if (!convert.podman_version_given) convert.podman_version = installed_podman(options.podman);
    CommandOutput output = run_convert(convert, stdin_stream);

    kubevirt::UnitInput unit;
    unit.vm = output.vm_name;
    unit.policy = output.policy;
    unit.podman = output.podman;
    unit.files = kubevirt::unit_files(unit.vm, kubevirt::unit_flavor_for(unit.podman));
    unit.pod_grace_seconds = output.pod_grace_seconds;
    unit.setup = output.setup;
    unit.imported_volumes = output.imported_volumes;

    host::UnitInstall install{unit.vm, unit.files, output.text, kubevirt::render_unit(unit), kubevirt::boot_link(unit)};
    const std::string& root = options.convert.host_root;
    auto written = host::install_unit(root, install, options.force);

    for (const auto& w : output.warnings)
        err += text::one_line("kubevirt-vm-to-pod: warning: " + (w.where.empty() ? std::string() : w.where + ": ") +
                              w.message) + "\n";
    std::string out = "Installed VM " + unit.vm + " (runStrategy " + unit.policy.run_strategy + ") as " +
                      unit.files.service + ", a " + std::string(kubevirt::flavor_name(unit.files.flavor)) +
                      " unit for Podman " + unit.podman.str() + root_note(root) + ":\n";
    for (const auto& path : written) out += "  " + path + "\n";
    out += "Next: systemctl daemon-reload && systemctl start " + unit.files.service + "\n";
    out += unit.policy.start_at_boot ? "It starts at boot.\n" : "It does not start at boot.\n";
    return out;
}

std::string run_uninstall(const UninstallOptions& options) {
    auto removed = host::uninstall_unit(options.host_root, options.vm);
    std::string out = "Removed the unit of VM " + options.vm + root_note(options.host_root) + ":\n";
    for (const auto& path : removed) out += "  " + path + "\n";
    out += "Next: systemctl daemon-reload (stop " + kubevirt::unit_name(options.vm) +
           " first if it runs: without its unit, systemd cannot stop it gracefully)\n";
    return out;
}

}  // namespace kvpod::vm2pod
