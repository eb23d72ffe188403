// SPDX-License-Identifier: Apache-2.0
#include "vm2pod/command_line.hpp"

#include <charconv>
#include <string_view>
#include <vector>

#include "build_config.hpp"
#include "core/arguments.hpp"
#include "core/error.hpp"
#include "core/kubevirt/common_instancetypes.hpp"
#include "core/serial_console.hpp"

namespace kvpod::vm2pod {
namespace {

constexpr const char* kSeeHelp = "see kubevirt-vm-to-pod --help";

enum Option : int {
    kOptionVmFile = 1000,
    kOptionInstancetypeFile,
    kOptionPreferenceFile,
    kOptionSecretFile,
    kOptionConfigMapFile,
    kOptionPodmanSecret,
    kOptionLauncherImage,
    kOptionImporterImage,
    kOptionNoPasst,
    kOptionMountDevices,
    kOptionHostRoot,
    kOptionHookConfig,
    kOptionAddConsoleProxy,
    kOptionProxyImage,
    kOptionProxyPort,
    kOptionPodmanVersion,
    kOptionNamespace,
    kOptionPodman,
    kOptionIdleTimeout,
    kOptionListen,
    kOptionTimeout,
    kOptionVersion,
    kOptionSystemctl,
    kOptionForce,
    kOptionOutput = 'o',
    kOptionHelp = 'h',
};

constexpr option kLongOptions[] = {
    {"vm-file", required_argument, nullptr, kOptionVmFile},
    {"instancetype-file", required_argument, nullptr, kOptionInstancetypeFile},
    {"preference-file", required_argument, nullptr, kOptionPreferenceFile},
    {"secret-file", required_argument, nullptr, kOptionSecretFile},
    {"configmap-file", required_argument, nullptr, kOptionConfigMapFile},
    {"podman-secret", required_argument, nullptr, kOptionPodmanSecret},
    {"launcher-image", required_argument, nullptr, kOptionLauncherImage},
    {"importer-image", required_argument, nullptr, kOptionImporterImage},
    {"no-passt", no_argument, nullptr, kOptionNoPasst},
    {"mount-devices", optional_argument, nullptr, kOptionMountDevices},
    {"host-root", required_argument, nullptr, kOptionHostRoot},
    {"hook-config", required_argument, nullptr, kOptionHookConfig},
    {"add-console-proxy", no_argument, nullptr, kOptionAddConsoleProxy},
    {"proxy-image", required_argument, nullptr, kOptionProxyImage},
    {"proxy-port", required_argument, nullptr, kOptionProxyPort},
    {"podman-version", required_argument, nullptr, kOptionPodmanVersion},
    {"output", required_argument, nullptr, kOptionOutput},
    {"namespace", required_argument, nullptr, kOptionNamespace},
    {"podman", required_argument, nullptr, kOptionPodman},
    {"idle-timeout", required_argument, nullptr, kOptionIdleTimeout},
    {"listen", required_argument, nullptr, kOptionListen},
    {"timeout", required_argument, nullptr, kOptionTimeout},
    {"version", no_argument, nullptr, kOptionVersion},
    {"systemctl", required_argument, nullptr, kOptionSystemctl},
    {"force", no_argument, nullptr, kOptionForce},
    {"help", no_argument, nullptr, kOptionHelp},
    {nullptr, 0, nullptr, 0},
};

Error usage_error(std::string what) { return Error(std::move(what), "", kSeeHelp); }

std::string option_name(int id) {
    for (const option* o = kLongOptions; o->name != nullptr; ++o)
        if (o->val == id) return std::string("--") + o->name;
    return "?";
}

bool is_console_option(int id) { return id == kOptionNamespace || id == kOptionPodman || id == kOptionIdleTimeout; }
bool is_display_option(int id) { return id == kOptionListen || id == kOptionTimeout; }

/// Sets what a console option says.
void apply_console_option(const arguments::Argument& argument, ConsoleOptions& options) {
    switch (argument.id) {
    case kOptionNamespace: options.namespace_name = argument.value; break;
    case kOptionPodman: options.podman = argument.value; break;
    case kOptionIdleTimeout: {
        auto ms = console::parse_seconds(argument.value);
        if (!ms)
            throw usage_error("--idle-timeout takes seconds from 0 to 86400, with up to three decimals, not '" +
                              argument.value + "'");
        options.idle_ms = *ms;
        break;
    }
    }
}

bool parse_bool(const arguments::Argument& argument) {
    if (!argument.has_value || argument.value == "true") return true;
    if (argument.value == "false") return false;
    throw usage_error("--mount-devices takes true or false, not '" + argument.value + "'");
}

int parse_port(std::string_view text) {
    int port = 0;
    auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (problem != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535)
        throw usage_error("--proxy-port needs a port number from 1 to 65535, not '" + std::string(text) + "'");
    return port;
}

/// Sets what a convert option says.
void apply_convert_option(const arguments::Argument& argument, CommandOptions& options, std::string& vm_file) {
    const std::string& value = argument.value;
    switch (argument.id) {
    case kOptionVmFile: vm_file = value; break;
    case kOptionInstancetypeFile: options.instancetype_file = value; break;
    case kOptionPreferenceFile: options.preference_file = value; break;
    case kOptionSecretFile: options.secret_files.push_back(value); break;
    case kOptionConfigMapFile: options.configmap_files.push_back(value); break;
    case kOptionPodmanSecret: options.podman_secrets.push_back(value); break;
    case kOptionLauncherImage: options.convert.launcher_image = value; break;
    case kOptionImporterImage: options.convert.importer_image = value; break;
    case kOptionNoPasst: options.convert.passt = false; break;
    case kOptionMountDevices: options.convert.mount_devices = parse_bool(argument); break;
    case kOptionHostRoot: options.host_root = value; break;
    case kOptionHookConfig:
        options.hook_config = value;
        options.hook_config_given = true;
        break;
    case kOptionAddConsoleProxy: options.convert.console_proxy = true; break;
    case kOptionProxyImage: options.convert.proxy_image = value; break;
    case kOptionProxyPort: options.convert.proxy_port = parse_port(value); break;
    case kOptionPodmanVersion:
        options.podman_version = value;
        options.podman_version_given = true;
        break;
    case kOptionOutput: options.output = value; break;
    }
}

/// Milliseconds as the seconds --idle-timeout takes: "2", "0.5".
std::string seconds_text(int ms) {
    std::string text = std::to_string(ms / 1000);
    if (int rest = ms % 1000) {
        std::string fraction = std::to_string(1000 + rest).substr(1);
        while (fraction.back() == '0') fraction.pop_back();
        text += "." + fraction;
    }
    return text;
}

}  // namespace

CommandLine parse_command_line(int argc, char* const* argv, const std::string& default_hook_config) {
    CommandLine line;
    line.convert.hook_config = default_hook_config;
    std::vector<arguments::Argument> options;
    std::vector<std::string> operands;
    for (auto& argument : arguments::read(argc, argv, kLongOptions, "ho:", kSeeHelp)) {
        if (argument.id == kOptionHelp || argument.id == kOptionVersion) {
            line.command = argument.id == kOptionHelp ? Command::Help : Command::Version;
            return line;
        }
        if (argument.id == arguments::kOperand) operands.push_back(std::move(argument.value));
        else options.push_back(std::move(argument));
    }

    if (!operands.empty() && operands.front() == "console") {
        line.command = Command::Console;
        if (operands.size() != 2) throw usage_error("console takes one VM name");
        line.console.vm = operands[1];
        for (const auto& argument : options) {
            if (!is_console_option(argument.id)) throw usage_error(option_name(argument.id) + " is not an option of console");
            apply_console_option(argument, line.console);
        }
        return line;
    }

    if (!operands.empty()) {
        static const std::pair<const char*, LifecycleVerb> kVerbs[] = {
            {"list", LifecycleVerb::List}, {"status", LifecycleVerb::Status}, {"start", LifecycleVerb::Start},
            {"stop", LifecycleVerb::Stop}, {"restart", LifecycleVerb::Restart}};
        for (const auto& [word, verb] : kVerbs) {
            if (operands.front() != word) continue;
            line.command = Command::Lifecycle;
            line.lifecycle.verb = verb;
            if (verb == LifecycleVerb::List) {
                if (operands.size() != 1) throw usage_error("list takes no VM name");
            } else if (operands.size() != 2) {
                throw usage_error(std::string(word) + " takes one VM name");
            } else {
                line.lifecycle.vm = operands[1];
            }
            for (const auto& argument : options) {
                switch (argument.id) {
                case kOptionPodman: line.lifecycle.podman = argument.value; break;
                case kOptionHostRoot: line.lifecycle.host_root = argument.value; break;
                case kOptionSystemctl: line.lifecycle.systemctl = argument.value; break;
                case kOptionOutput:
                    if (verb == LifecycleVerb::List || verb == LifecycleVerb::Status) {
                        line.lifecycle.output = argument.value;
                        break;
                    }
                    [[fallthrough]];
                default: throw usage_error(option_name(argument.id) + " is not an option of " + word);
                }
            }
            return line;
        }
    }

    if (!operands.empty() && operands.front() == "uninstall") {
        line.command = Command::Uninstall;
        if (operands.size() != 2) throw usage_error("uninstall takes one VM name");
        line.uninstall.vm = operands[1];
        for (const auto& argument : options) {
            if (argument.id != kOptionHostRoot)
                throw usage_error(option_name(argument.id) + " is not an option of uninstall");
            line.uninstall.host_root = argument.value;
        }
        return line;
    }
    bool install = !operands.empty() && operands.front() == "install";
    if (install) {
        line.command = Command::Install;
        operands.erase(operands.begin());
        if (operands.empty()) throw usage_error("install takes the VM's file");
    }
    if (!operands.empty() && operands.front() == "podman-secret") {
        line.command = Command::PodmanSecret;
        if (operands.size() != 3) throw usage_error("podman-secret takes a Secret's name and the file that holds it");
        line.podman_secret.name = operands[1];
        line.podman_secret.file = operands[2];
        for (const auto& argument : options) {
            if (argument.id != kOptionPodmanVersion)
                throw usage_error(option_name(argument.id) + " is not an option of podman-secret");
            line.podman_secret.podman_version = argument.value;
        }
        return line;
    }

    if (!operands.empty() && (operands.front() == "vnc" || operands.front() == "screenshot")) {
        const bool vnc = operands.front() == "vnc";
        line.command = vnc ? Command::Vnc : Command::Screenshot;
        if (vnc && operands.size() != 2) throw usage_error("vnc takes one VM name");
        if (!vnc && operands.size() != 3) throw usage_error("screenshot takes a VM name and a FILE.png (- for stdout)");
        line.vnc.vm = line.screenshot.vm = operands[1];
        if (!vnc) line.screenshot.file = operands[2];
        for (const auto& argument : options) {
            switch (argument.id) {
            case kOptionNamespace: line.vnc.namespace_name = line.screenshot.namespace_name = argument.value; break;
            case kOptionPodman: line.vnc.podman = line.screenshot.podman = argument.value; break;
            case kOptionListen:
                if (!vnc) throw usage_error("--listen is an option of vnc, not screenshot");
                line.vnc.listen = argument.value;
                break;
            case kOptionTimeout: {
                if (vnc) throw usage_error("--timeout is an option of screenshot, not vnc");
                auto ms = console::parse_seconds(argument.value);
                if (!ms || *ms == 0)
                    throw usage_error("--timeout takes seconds from 0.001 to 86400, not '" + argument.value + "'");
                line.screenshot.timeout_ms = *ms;
                break;
            }
            default: throw usage_error(option_name(argument.id) + " is not an option of " + operands.front());
            }
        }
        return line;
    }

    std::string vm_file;
    for (const auto& argument : options) {
        if (argument.id == kOptionSystemctl) throw usage_error("--systemctl is an option of start, stop and restart only");
        if (is_display_option(argument.id))
            throw usage_error(option_name(argument.id) + " is an option of vnc and screenshot only");
        if (is_console_option(argument.id)) throw usage_error(option_name(argument.id) + " is an option of console only");
        if (argument.id == kOptionForce) {
            if (!install) throw usage_error("--force is an option of install only");
            line.install.force = true;
            continue;
        }
        apply_convert_option(argument, line.convert, vm_file);
    }
    if (operands.size() > 1)
        throw Error("two inputs: " + operands[0] + " and " + operands[1], "command line", "give one");
    if (!operands.empty()) line.convert.input = operands.front();
    if (!vm_file.empty()) {
        if (!line.convert.input.empty() && line.convert.input != vm_file)
            throw Error("two inputs: " + line.convert.input + " and --vm-file " + vm_file, "command line", "give one");
        line.convert.input = vm_file;
    }
    if (install) line.install.convert = line.convert;
    return line;
}

std::string usage(const std::string& default_hook_config) {
    const CommandOptions defaults;
    const ConsoleOptions console;
    const auto& c = defaults.convert;
    return "Convert a KubeVirt VirtualMachine (or VirtualMachineInstance) into a Pod for podman kube play.\n"
           "\n"
           "Usage:\n"
           "  kubevirt-vm-to-pod [OPTIONS] [FILE|-]\n"
           "      Writes the Pod for the VM in FILE (YAML or JSON; - or nothing reads stdin) on stdout.\n"
           "  kubevirt-vm-to-pod console [--namespace NS] [--podman PODMAN] [--idle-timeout SECONDS] VM\n"
           "      Attaches to a running VM's serial console. On a terminal, Ctrl+] detaches. With stdin\n"
           "      not a terminal, relays stdin to the guest, then the guest's output until it has been\n"
           "      quiet for --idle-timeout. Ends 0 also when the VM stops.\n"
           "  kubevirt-vm-to-pod list [-o table|json] [--podman PODMAN] [--host-root DIR]\n"
           "      The VMs on this host: libvirt state, since when, vCPUs, memory, the devices the hook\n"
           "      granted, the guest's address, the systemd unit.\n"
           "  kubevirt-vm-to-pod status [-o table|json] [--podman PODMAN] [--host-root DIR] VM\n"
           "      One VM, one field a line (or one JSON object).\n"
           "  kubevirt-vm-to-pod start|stop|restart [--podman PODMAN] [--systemctl SYSTEMCTL] VM\n"
           "      Through the VM's systemd unit when one is installed (systemctl), else Podman; stop waits\n"
           "      the Pod's grace period for the guest to shut down.\n"
           "  kubevirt-vm-to-pod install [OPTIONS] [--force] FILE|-\n"
           "      Writes the VM's Pod and a systemd unit that runs it as its runStrategy says: a Quadlet\n"
           "      .kube in /etc/containers/systemd (Podman 4.4 and later), else a .service in\n"
           "      /etc/systemd/system that runs podman kube play. Takes the options of convert; the\n"
           "      Podman version is --podman-version's, else the installed podman's. --force replaces\n"
           "      an installed unit.\n"
           "  kubevirt-vm-to-pod uninstall [--host-root DIR] VM\n"
           "      Removes the VM's unit and Pod (stop the VM first).\n"
           "  kubevirt-vm-to-pod podman-secret [--podman-version VERSION] NAME FILE\n"
           "      Writes the Secret NAME of FILE in the form that podman secret create NAME - stores for that\n"
           "      Podman's kube play (the converter prints this setup line for each Secret a VM names).\n"
           "  kubevirt-vm-to-pod vnc [--listen ADDRESS:PORT] [--namespace NS] [--podman PODMAN] VM\n"
           "      Relays a running VM's VNC display (KubeVirt's virt-vnc socket, no password) to a TCP\n"
           "      port for any VNC viewer, several in turn or at once; prints ADDRESS:PORT on stdout\n"
           "      once listening. Default 127.0.0.1 and a free port; another address gets a warning.\n"
           "      SIGINT (Ctrl+C), SIGTERM or SIGHUP ends it with status 0.\n"
           "  kubevirt-vm-to-pod screenshot [--timeout SECONDS] [--namespace NS] [--podman PODMAN] VM FILE.png\n"
           "      Saves the VM's screen as a PNG file (- for stdout), read over its VNC socket.\n"
           "\n"
           "Options:\n"
           "  --vm-file FILE            the VM or VMI, as FILE\n"
           "  --instancetype-file FILE  the instancetype the VM names (KubeVirt's common cluster\n"
           "                            instancetypes, such as u1.medium, are built in)\n"
           "  --preference-file FILE    the preference the VM names (the common cluster preferences,\n"
           "                            such as fedora, are built in)\n"
           "  --secret-file FILE        Secrets the VM names (repeatable; or put them in the VM's file)\n"
           "  --configmap-file FILE     ConfigMaps the VM names (repeatable; or put them in the VM's file)\n"
           "  --podman-secret NAME      the Secret NAME the VM names is already a Podman secret, in the form\n"
           "                            kube play reads (what podman-secret writes); repeatable\n"
           "  --launcher-image IMAGE    virt-launcher image (default " + c.launcher_image + ")\n"
           "  --importer-image IMAGE    CDI's importer, which fills dataVolumeTemplates (default\n"
           "                            " + c.importer_image + ")\n"
           "  --no-passt                keep the VM's own network binding instead of passt\n"
           "  --mount-devices[=true|false]\n"
           "                            write this host's device nodes into the Pod (hosts without the hook)\n"
           "  --host-root DIR           where --mount-devices looks for /dev and /sys, install and uninstall\n"
           "                            put and remove files, the VM commands find installed units\n"
           "                            (default " + defaults.host_root + ")\n"
           "  --hook-config FILE        the hook's configuration, which --mount-devices follows for GPUs and\n"
           "                            host devices (default " + default_hook_config + ")\n"
           "  --add-console-proxy       add the serial console proxy container\n"
           "  --proxy-image IMAGE       console proxy image (default " + c.proxy_image + ")\n"
           "  --proxy-port PORT         console proxy port (default " + std::to_string(c.proxy_port) + ")\n"
           "  --podman-version VERSION  the Podman that plays the Pod; before 5.3, containerDisks become\n"
           "                            image-driver volumes (default " + defaults.podman_version + ")\n"
           "  -o, --output yaml|json    the Pod's format (default " + defaults.output + "); list, status:\n"
           "                            table (default) or json\n"
           "  --namespace NS            console: the VM's namespace, checked against its container's\n"
           "                            (default: any)\n"
           "  --podman PODMAN           console and the VM commands: the podman command (default " + console.podman + ")\n"
           "  --systemctl SYSTEMCTL     start, stop, restart: the systemctl command (default systemctl)\n"
           "  --idle-timeout SECONDS    console: after stdin ends, how long the guest may be quiet before\n"
           "                            console ends (default " + seconds_text(console.idle_ms) + ")\n"
           "  --force                   install: replace the VM's installed unit and Pod\n"
           "  --listen ADDRESS:PORT     vnc: PORT, ADDRESS:PORT or [IPV6]:PORT, numeric (default 127.0.0.1:0,\n"
           "                            a free port)\n"
           "  --timeout SECONDS         screenshot: how long the VNC server may take (default 20)\n"
           "  --namespace, --podman     vnc and screenshot take them too, as console does\n"
           "  --version                 print the version and that of the built-in common instancetypes\n"
           "  -h, --help                print this help\n"
           "\n"
           "See kubevirt-vm-to-pod(1).\n";
}

std::string version_text() {
    namespace bundle = kubevirt::common_instancetypes;
    return std::string(KVPOD_VERSION) + "\ncommon-instancetypes " + std::string(bundle::version()) + " (" +
           std::to_string(bundle::count(bundle::Kind::Instancetype)) + " cluster instancetypes, " +
           std::to_string(bundle::count(bundle::Kind::Preference)) + " cluster preferences, as KubeVirt v1.8 deploys)\n";
}

}  // namespace kvpod::vm2pod
