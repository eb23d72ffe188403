// SPDX-License-Identifier: Apache-2.0
// kubevirt-vm-to-pod's argv, read in-process: every option, both commands,
// and the exact text of each usage mistake.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_support.hpp"
#include "vm2pod/command_line.hpp"

using kvpod::testing::error_of;
using kvpod::vm2pod::Command;
using kvpod::vm2pod::CommandLine;

namespace {

constexpr const char* kHookConfig = "/etc/kubevirt-vm-to-pod/hook.yaml";

CommandLine parse(std::vector<std::string> words) {
    words.insert(words.begin(), "kubevirt-vm-to-pod");
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    return kvpod::vm2pod::parse_command_line(static_cast<int>(argv.size()), argv.data(), kHookConfig);
}

}  // namespace

TEST_CASE("no arguments: the VM on stdin, with the documented defaults") {
    auto line = parse({});
    CHECK(line.command == Command::Convert);
    const auto& o = line.convert;
    CHECK(o.input.empty());
    CHECK(o.instancetype_file.empty());
    CHECK(o.preference_file.empty());
    CHECK(o.convert.launcher_image == "quay.io/kubevirt/virt-launcher:v1.8.0");
    CHECK(o.convert.passt);
    CHECK_FALSE(o.convert.mount_devices);
    CHECK_FALSE(o.convert.console_proxy);
    CHECK(o.convert.proxy_image == "quay.io/vladikr/kubevirt-console-proxy:latest");
    CHECK(o.convert.proxy_port == 8080);
    CHECK(o.podman_version == "5.4");
    CHECK(o.output == "yaml");
    CHECK(o.host_root == "/");
    CHECK(o.hook_config == kHookConfig);
    CHECK_FALSE(o.hook_config_given);
}

TEST_CASE("every convert option, as --name VALUE and --name=VALUE, before or after FILE") {
    for (bool joined : {false, true}) {
        CAPTURE(joined);
        std::vector<std::string> words = {"vm.yaml"};
        auto add = [&](const std::string& name, const std::string& value) {
            if (joined) {
                words.push_back(name + "=" + value);
            } else {
                words.push_back(name);
                words.push_back(value);
            }
        };
        add("--instancetype-file", "it.yaml");
        add("--preference-file", "pref.yaml");
        add("--launcher-image", "localhost/launcher:dev");
        words.push_back("--no-passt");
        words.push_back("--mount-devices");
        add("--host-root", "/tmp/root");
        add("--hook-config", "/tmp/hook.yaml");
        words.push_back("--add-console-proxy");
        add("--proxy-image", "localhost/proxy:1");
        add("--proxy-port", "9999");
        add("--podman-version", "4.3.1");
        add("--output", "json");
        auto o = parse(words).convert;
        CHECK(o.input == "vm.yaml");
        CHECK(o.instancetype_file == "it.yaml");
        CHECK(o.preference_file == "pref.yaml");
        CHECK(o.convert.launcher_image == "localhost/launcher:dev");
        CHECK_FALSE(o.convert.passt);
        CHECK(o.convert.mount_devices);
        CHECK(o.host_root == "/tmp/root");
        CHECK(o.hook_config == "/tmp/hook.yaml");
        CHECK(o.hook_config_given);
        CHECK(o.convert.console_proxy);
        CHECK(o.convert.proxy_image == "localhost/proxy:1");
        CHECK(o.convert.proxy_port == 9999);
        CHECK(o.podman_version == "4.3.1");
        CHECK(o.output == "json");
    }
    CHECK(parse({"-o", "json"}).convert.output == "json");
    CHECK(parse({"--mount-devices=true"}).convert.convert.mount_devices);
    CHECK_FALSE(parse({"--mount-devices", "--mount-devices=false"}).convert.convert.mount_devices);
}

TEST_CASE("the input: FILE, -, --vm-file, or both naming the same file") {
    CHECK(parse({"-"}).convert.input == "-");
    CHECK(parse({"--vm-file", "vm.yaml"}).convert.input == "vm.yaml");
    CHECK(parse({"vm.yaml", "--vm-file=vm.yaml"}).convert.input == "vm.yaml");
    CHECK(parse({"--", "--odd.yaml"}).convert.input == "--odd.yaml");
    CHECK(parse({"--vm-file", "--odd.yaml"}).convert.input == "--odd.yaml");
    CHECK(parse({"-o", "--json"}).convert.output == "--json");  // refused later, by run_convert
}

TEST_CASE("console VM, with its own options on either side of the name") {
    auto line = parse({"console", "myvm"});
    CHECK(line.command == Command::Console);
    CHECK(line.console.vm == "myvm");
    CHECK(line.console.namespace_name.empty());  // any namespace
    CHECK(line.console.podman == "podman");
    CHECK(line.console.idle_ms == 2000);
    auto given = parse({"console", "--namespace=vms", "myvm", "--podman", "/usr/local/bin/podman", "--idle-timeout",
                        "0.25"});
    CHECK(given.console.vm == "myvm");
    CHECK(given.console.namespace_name == "vms");
    CHECK(given.console.podman == "/usr/local/bin/podman");
    CHECK(given.console.idle_ms == 250);
    CHECK(parse({"console", "--idle-timeout=0", "myvm"}).console.idle_ms == 0);
}

TEST_CASE("list, status, start, stop, restart: the VM commands and their options") {
    using kvpod::vm2pod::LifecycleVerb;
    auto list = parse({"list"});
    CHECK(list.command == Command::Lifecycle);
    CHECK(list.lifecycle.verb == LifecycleVerb::List);
    CHECK(list.lifecycle.output == "table");
    CHECK(list.lifecycle.podman == "podman");
    CHECK(list.lifecycle.host_root == "/");
    CHECK(parse({"list", "-o", "json"}).lifecycle.output == "json");
    auto status = parse({"status", "--output=json", "web", "--host-root", "/tmp/r", "--podman=/bin/podman"});
    CHECK(status.lifecycle.verb == LifecycleVerb::Status);
    CHECK(status.lifecycle.vm == "web");
    CHECK(status.lifecycle.output == "json");
    CHECK(status.lifecycle.host_root == "/tmp/r");
    CHECK(status.lifecycle.podman == "/bin/podman");
    struct Case {
        const char* word;
        LifecycleVerb verb;
    };
    for (const Case& c : {Case{"start", LifecycleVerb::Start}, Case{"stop", LifecycleVerb::Stop},
                          Case{"restart", LifecycleVerb::Restart}}) {
        auto line = parse({c.word, "web", "--systemctl", "/bin/systemctl"});
        CHECK(line.lifecycle.verb == c.verb);
        CHECK(line.lifecycle.vm == "web");
        CHECK(line.lifecycle.systemctl == "/bin/systemctl");
    }
    const std::string see = "; see kubevirt-vm-to-pod --help";
    CHECK(error_of([] { parse({"list", "web"}); }) == "list takes no VM name" + see);
    CHECK(error_of([] { parse({"status"}); }) == "status takes one VM name" + see);
    CHECK(error_of([] { parse({"stop", "a", "b"}); }) == "stop takes one VM name" + see);
    CHECK(error_of([] { parse({"stop", "a", "-o", "json"}); }) == "--output is not an option of stop" + see);
    CHECK(error_of([] { parse({"list", "--namespace", "x"}); }) == "--namespace is not an option of list" + see);
    CHECK(error_of([] { parse({"vm.yaml", "--systemctl=x"}); }) == "--systemctl is an option of start, stop and restart only" + see);
}

TEST_CASE("--help and --version win wherever they stand") {
    CHECK(parse({"--help"}).command == Command::Help);
    CHECK(parse({"vm.yaml", "-h"}).command == Command::Help);
    CHECK(parse({"console", "--help"}).command == Command::Help);
    CHECK(parse({"--version"}).command == Command::Version);
    auto text = kvpod::vm2pod::usage(kHookConfig);
    for (const char* word : {"--vm-file FILE", "--instancetype-file FILE", "--preference-file FILE",
                             "--launcher-image IMAGE", "--no-passt", "--mount-devices[=true|false]", "--host-root DIR",
                             "--hook-config FILE", "--add-console-proxy", "--proxy-image IMAGE", "--proxy-port PORT",
                             "--podman-version VERSION", "-o, --output yaml|json", "--namespace NS", "--podman PODMAN",
                             "--idle-timeout SECONDS", "(default 2)", "Ctrl+] detaches", "console", kHookConfig, "quay.io/kubevirt/virt-launcher:v1.8.0", "(default 8080)"}) {
        CAPTURE(word);
        CHECK(text.find(word) != std::string::npos);
    }
}

TEST_CASE("a usage mistake names the argument and points at --help") {
    struct Case {
        std::vector<std::string> words;
        std::string expected;
    };
    const std::string see = "; see kubevirt-vm-to-pod --help";
    const std::vector<Case> cases = {
        {{"--frobnicate"}, "unknown option --frobnicate" + see},
        {{"--launcher=x"}, "unknown option --launcher" + see},  // a prefix is not the option
        {{"-x"}, "unknown option -x" + see},
        {{"vm.yaml", "--output"}, "--output needs a value" + see},
        {{"-o"}, "-o needs a value" + see},
        {{"--no-passt=1"}, "--no-passt takes no value" + see},
        {{"--help=yes"}, "--help takes no value" + see},
        {{"--mount-devices=maybe"}, "--mount-devices takes true or false, not 'maybe'" + see},
        {{"--proxy-port", "http"}, "--proxy-port needs a port number from 1 to 65535, not 'http'" + see},
        {{"--proxy-port=0"}, "--proxy-port needs a port number from 1 to 65535, not '0'" + see},
        {{"--proxy-port=65536"}, "--proxy-port needs a port number from 1 to 65535, not '65536'" + see},
        {{"a.yaml", "b.yaml"}, "command line: two inputs: a.yaml and b.yaml; give one"},
        {{"a.yaml", "--vm-file=b.yaml"}, "command line: two inputs: a.yaml and --vm-file b.yaml; give one"},
        {{"console"}, "console takes one VM name" + see},
        {{"console", "a", "b"}, "console takes one VM name" + see},
        {{"console", "myvm", "--launcher-image=x"}, "--launcher-image is not an option of console" + see},
        {{"vm.yaml", "--namespace", "vms"}, "--namespace is an option of console only" + see},
        {{"vm.yaml", "--idle-timeout=1"}, "--idle-timeout is an option of console only" + see},
        {{"console", "myvm", "--idle-timeout=2s"},
         "--idle-timeout takes seconds from 0 to 86400, with up to three decimals, not '2s'" + see},
        {{"console", "myvm", "--idle-timeout", "-1"},
         "--idle-timeout takes seconds from 0 to 86400, with up to three decimals, not '-1'" + see},
    };
    for (const auto& c : cases) {
        CAPTURE(c.words.front());
        CHECK(error_of([&] { parse(c.words); }) == c.expected);
    }
}
