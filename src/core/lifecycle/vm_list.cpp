// SPDX-License-Identifier: Apache-2.0
#include "core/lifecycle/vm_list.hpp"

#include <algorithm>

#include "core/kubevirt/names.hpp"
#include "core/serial_console.hpp"
#include "core/text.hpp"

namespace kvpod::lifecycle {
namespace {

constexpr std::string_view kComputeSuffix = "-compute";
constexpr std::string_view kPodPrefix = "virt-launcher-";
constexpr std::int64_t kDefaultVmiGraceSeconds = 30;  // KubeVirt's default terminationGracePeriodSeconds
constexpr std::int64_t kPodPaddingSeconds = 30;       // what KubeVirt adds for the Pod (template.go)

const Json& member(const Json& object, const char* key) {
    static const Json null;
    if (!object.is_object()) return null;
    auto it = object.find(key);
    return it == object.end() ? null : *it;
}

std::string string_member(const Json& object, const char* key) {
    const Json& v = member(object, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}

std::string last_line(std::string_view text) {
    auto lines = text::split(text::trim(text), '\n');
    return lines.empty() ? std::string() : text::trim(lines.back());
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::vector<std::string> ps_command(const std::string& podman) { return {podman, "ps", "--all", "--format", "json"}; }

std::vector<PsEntry> parse_ps(std::string_view output) {
    Json doc = with_context("reading what podman ps --all --format json printed",
                            [&] { return document::parse_json(text::trim(output), "podman ps"); });
    if (doc.is_null()) return {};  // Podman 4 prints null for no containers? It prints []; null is harmless
    if (!doc.is_array())
        throw Error("podman ps --all --format json printed no list of containers", "", "is --podman a Podman 4 or later?");
    std::vector<PsEntry> out;
    for (const auto& c : doc) {
        PsEntry e;
        e.id = string_member(c, "Id");
        const Json& names = member(c, "Names");
        if (names.is_array() && !names.empty() && names[0].is_string()) e.name = names[0].get<std::string>();
        e.pod = string_member(c, "Pod");
        const Json& infra = member(c, "IsInfra");
        e.is_infra = infra.is_boolean() && infra.get<bool>();
        if (!e.id.empty()) out.push_back(std::move(e));
    }
    return out;
}

std::optional<std::string> vm_of_compute_container(std::string_view name) {
    if (!text::starts_with(name, kPodPrefix) || !text::ends_with(name, kComputeSuffix)) return std::nullopt;
    if (name.size() <= kPodPrefix.size() + kComputeSuffix.size()) return std::nullopt;
    return std::string(name.substr(kPodPrefix.size(), name.size() - kPodPrefix.size() - kComputeSuffix.size()));
}

std::vector<std::string> inspect_command(const std::string& podman, const std::vector<std::string>& ids) {
    std::vector<std::string> argv = {podman, "container", "inspect"};
    argv.insert(argv.end(), ids.begin(), ids.end());
    return argv;
}

InspectResult parse_inspect(std::string_view output) {
    Json doc = with_context("reading what podman container inspect printed",
                            [&] { return document::parse_json(text::trim(output), "podman container inspect"); });
    if (!doc.is_array())
        throw Error("podman container inspect printed no list of containers", "", "is --podman a Podman 4 or later?");
    InspectResult result;
    for (const auto& c : doc) {
        std::string name = string_member(c, "Name");
        const Json& state = member(c, "State");
        if (auto vm = vm_of_compute_container(name)) {
            ComputeInspect ci;
            ci.vm = *vm;
            ci.container = name;
            ci.status = string_member(state, "Status");
            ci.started_at = string_member(state, "StartedAt");
            ci.finished_at = string_member(state, "FinishedAt");
            // "Health" in Podman 4 and 5; 5.x also fills the older "Healthcheck".
            const Json& health = member(state, "Health").is_object() ? member(state, "Health") : member(state, "Healthcheck");
            ci.health = string_member(health, "Status");
            ci.oci_config_path = string_member(c, "OCIConfigPath");
            ci.namespace_name = console::launcher_flag(member(c, "Args"), "namespace").value_or("");
            ci.pod = string_member(c, "Pod");
            const Json& env = member(member(c, "Config"), "Env");
            if (env.is_array())
                for (const auto& e : env)
                    if (e.is_string() && text::starts_with(e.get_ref<const std::string&>(), "STANDALONE_VMI=")) {
                        try {
                            ci.vmi = document::parse_json(e.get_ref<const std::string&>().substr(15), "STANDALONE_VMI");
                        } catch (const Error&) {
                            ci.vmi = nullptr;  // not ours to judge here: the launcher refuses it
                        }
                    }
            result.computes.push_back(std::move(ci));
            continue;
        }
        const Json& networks = member(member(c, "NetworkSettings"), "Networks");
        std::string address;
        if (networks.is_object())
            for (const auto& [net, settings] : networks.items())
                if (std::string a = string_member(settings, "IPAddress"); !a.empty() && address.empty()) address = a;
        if (address.empty()) address = string_member(member(c, "NetworkSettings"), "IPAddress");
        if (!address.empty()) result.pod_addresses.emplace_back(string_member(c, "Pod"), address);
    }
    return result;
}

std::vector<std::string> domstate_command(const std::string& podman, const std::string& container,
                                          const std::string& domain) {
    return {podman, "exec", container, "virsh", "-q", "domstate", "--reason", domain};
}

std::pair<std::string, std::string> parse_domstate(std::string_view output) {
    std::string line = text::trim(output);
    if (auto nl = line.find('\n'); nl != std::string::npos) line = text::trim(line.substr(0, nl));
    std::string state = line, reason;
    if (auto open = line.find(" ("); open != std::string::npos && text::ends_with(line, ")")) {
        state = line.substr(0, open);
        reason = line.substr(open + 2, line.size() - open - 3);
    }
    if (state == "shut off" && reason == "crashed") state = "crashed";
    if (state.empty()) state = "unknown";
    return {state, reason};
}

std::vector<std::string> granted_devices(std::string_view oci_config_json) {
    Json config;
    try {
        config = document::parse_json(oci_config_json, "config.json");
    } catch (const Error&) {
        return {};
    }
    // What every container gets from the runtime, whatever the hook did.
    static const std::vector<std::string> kRuntimeDefaults = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                                             "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/console"};
    std::vector<std::string> out;
    const Json& devices = member(member(config, "linux"), "devices");
    if (devices.is_array())
        for (const auto& d : devices) {
            std::string path = string_member(d, "path");
            if (!path.empty() && std::find(kRuntimeDefaults.begin(), kRuntimeDefaults.end(), path) == kRuntimeDefaults.end())
                out.push_back(path);
        }
    const Json& env = member(member(config, "process"), "env");
    if (env.is_array())
        for (const auto& e : env) {
            if (!e.is_string()) continue;
            const std::string& s = e.get_ref<const std::string&>();
            if (text::starts_with(s, "PCI_RESOURCE_") || text::starts_with(s, "MDEV_PCI_RESOURCE_")) out.push_back(s);
        }
    return out;
}

void fill_from_vmi(const Json& vmi, VmInfo& info) {
    const Json& domain = member(member(vmi, "spec"), "domain");
    const Json& cpu = member(domain, "cpu");
    auto count = [&](const char* key) {
        const Json& v = member(cpu, key);
        return v.is_number_integer() && v.get<std::int64_t>() > 0 ? v.get<std::int64_t>() : 1;
    };
    info.vcpus = count("sockets") * count("cores") * count("threads");
    info.memory = string_member(member(domain, "memory"), "guest");
    if (info.memory.empty()) info.memory = string_member(member(member(domain, "resources"), "requests"), "memory");
    if (info.namespace_name.empty()) info.namespace_name = string_member(member(vmi, "metadata"), "namespace");
    info.grace_seconds = pod_grace_seconds(vmi);
}

std::int64_t pod_grace_seconds(const Json& vmi) {
    const Json& v = member(member(vmi, "spec"), "terminationGracePeriodSeconds");
    std::int64_t seconds = v.is_number_integer() ? v.get<std::int64_t>() : kDefaultVmiGraceSeconds;
    if (seconds > 1'000'000'000) seconds = 1'000'000'000;
    seconds += kPodPaddingSeconds;
    return seconds < 1 ? 1 : seconds;  // as the converter (and Kubernetes) makes a negative one
}

std::string rfc3339(std::string_view t) {
    std::string s = text::trim(t);
    if (s.size() < 19 || text::starts_with(s, "0001-01-01")) return "";
    std::string date = s.substr(0, 10), clock = s.substr(11, 8);
    if (date[4] != '-' || date[7] != '-' || clock[2] != ':' || clock[5] != ':' || (s[10] != 'T' && s[10] != ' '))
        return "";
    // Podman prints UTC ("Z" or "+0000 UTC") for the containers it runs.
    return date + "T" + clock + "Z";
}

std::string format_table(const std::vector<VmInfo>& vms) {
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "STATE", "SINCE", "VCPUS", "MEMORY", "DEVICES", "ADDRESS", "UNIT"}};
    for (const auto& vm : vms) {
        std::vector<std::string> devices;
        for (const auto& d : vm.devices) devices.push_back(d.substr(0, d.find('=')));
        rows.push_back({vm.name, vm.state, or_dash(vm.since), vm.vcpus ? std::to_string(vm.vcpus) : "-",
                        or_dash(vm.memory), or_dash(text::join(devices, ",")), or_dash(vm.address), or_dash(vm.unit)});
    }
    std::vector<std::size_t> width(rows[0].size(), 0);
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

std::string format_status(const VmInfo& vm) {
    auto state = vm.state + (vm.state_reason.empty() || vm.state_reason == vm.state ? "" : " (" + vm.state_reason + ")");
    std::string out;
    auto field = [&](const char* key, const std::string& value) { out += std::string(key) + ":" + std::string(12 - std::string(key).size(), ' ') + or_dash(value) + "\n"; };
    field("Name", vm.name);
    field("Namespace", vm.namespace_name);
    field("State", state);
    field("Since", vm.since);
    field("Health", vm.health);
    field("vCPUs", vm.vcpus ? std::to_string(vm.vcpus) : "");
    field("Memory", vm.memory);
    field("Devices", text::join(vm.devices, " "));
    field("Address", vm.address);
    field("Unit", vm.unit.empty() ? "" : vm.unit + " (" + vm.unit_file + ")");
    field("Container", vm.container.empty() ? "" : vm.container + " (" + vm.container_state + ")");
    field("Grace", vm.grace_seconds ? std::to_string(vm.grace_seconds) + " s" : "");
    return out;
}

Json to_json(const VmInfo& vm) {
    auto opt = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
    return {{"name", vm.name},
            {"namespace", opt(vm.namespace_name)},
            {"state", vm.state},
            {"reason", opt(vm.state_reason)},
            {"since", opt(vm.since)},
            {"health", opt(vm.health)},
            {"vcpus", vm.vcpus ? Json(vm.vcpus) : Json(nullptr)},
            {"memory", opt(vm.memory)},
            {"devices", vm.devices},
            {"address", opt(vm.address)},
            {"unit", opt(vm.unit)},
            {"unitFile", opt(vm.unit_file)},
            {"container", opt(vm.container)},
            {"containerState", opt(vm.container_state)},
            {"gracePeriodSeconds", vm.grace_seconds ? Json(vm.grace_seconds) : Json(nullptr)}};
}

void check_output(const std::string& output) {
    if (output != "table" && output != "json")
        throw Error("--output takes table or json here, not " + text::quoted(output), "", "see kubevirt-vm-to-pod --help");
}

Error unknown_vm(const std::string& vm) {
    return Error("no VM " + vm + " on this host: Podman has no container " + kubevirt::launcher_pod_name(vm) +
                     "-compute and no unit " + kubevirt::unit_name(vm) + " is installed",
                 "", "kubevirt-vm-to-pod list shows the VMs there are");
}

Error podman_missing(const std::string& podman, const std::string& why) {
    (void)podman;  // run_program's message names it: "cannot run PODMAN: reason"
    return Error(why, "", "install Podman, or name it with --podman");
}

Error podman_failed(const std::string& what, int exit_status, std::string_view podman_stderr) {
    std::string said = last_line(podman_stderr);
    return Error(what + " failed (exit " + std::to_string(exit_status) + ")" + (said.empty() ? std::string() : ": " + said),
                 "", "check that Podman works: podman ps");
}

Error command_failed(const std::vector<std::string>& argv, int exit_status, std::string_view err) {
    std::string said = last_line(err);
    return Error(text::join(argv, " ") + " failed (exit " + std::to_string(exit_status) + ")" +
                     (said.empty() ? std::string() : ": " + said),
                 "", argv.size() > 1 && argv[0] == "systemctl" ? "see journalctl -u " + argv.back()
                                                                : "see podman logs of the VM's compute container");
}

}  // namespace kvpod::lifecycle
