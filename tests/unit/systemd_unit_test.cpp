// SPDX-License-Identifier: Apache-2.0
// The systemd unit install writes (core/kubevirt/systemd_unit.hpp): what each
// runStrategy makes of it, per Podman version, as golden files under
// tests/golden/units/.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/systemd_unit.hpp"
#include "golden.hpp"
#include "test_support.hpp"

using namespace kvpod::kubevirt;
using kvpod::testing::error_of;
using kvpod::testing::golden;

namespace {

Json vm_with(const std::string& spec) { return Json::parse(R"({"kind": "VirtualMachine", "spec": )" + spec + "}"); }

UnitInput input_for(const std::string& strategy, const char* podman) {
    UnitInput input;
    input.vm = "web";
    Json vm = vm_with(R"({"runStrategy": ")" + strategy + "\"}");
    input.policy = unit_policy_for(&vm);
    input.podman = parse_podman_version(podman);
    input.files = unit_files("web", unit_flavor_for(input.podman));
    input.pod_grace_seconds = 60;
    input.setup = {{"pull", "podman image exists 'quay.io/x/y:1' || podman pull 'quay.io/x/y:1'"},
                   {"volume", "podman volume exists web-cd || podman volume create --opt 'image=$HOME%u' web-cd"}};
    return input;
}

}  // namespace

TEST_CASE("each runStrategy's unit, per Podman version (goldens)") {
    for (const char* strategy : {"Always", "RerunOnFailure", "Manual", "Halted", "Once"}) {
        for (const char* podman : {"4.3.1", "4.4", "4.6", "5.4"}) {
            CAPTURE(strategy);
            CAPTURE(podman);
            auto input = input_for(strategy, podman);
            std::string text = render_unit(input);
            std::string name = std::string("units/") + strategy + "-" + podman +
                               (input.files.flavor == UnitFlavor::Quadlet ? ".kube" : ".service");
            CHECK(text == golden(name, text));
        }
    }
}

TEST_CASE("the policy: restarts and boot as KubeVirt's VM controller decides") {
    struct Case {
        std::string spec;
        std::string strategy, restart;
        bool at_boot;
    };
    const std::vector<Case> cases = {
        {R"({"runStrategy": "Always"})", "Always", "always", true},
        {R"({"runStrategy": "RerunOnFailure"})", "RerunOnFailure", "on-failure", true},
        {R"({"runStrategy": "Manual"})", "Manual", "no", false},
        {R"({"runStrategy": "Halted"})", "Halted", "no", false},
        {R"({"runStrategy": "Once"})", "Once", "no", false},
        {R"({"running": true})", "Always", "always", true},
        {R"({"running": false})", "Halted", "no", false},
        {R"({})", "Halted", "no", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.spec);
        Json vm = vm_with(c.spec);
        auto policy = unit_policy_for(&vm);
        CHECK(policy.run_strategy == c.strategy);
        CHECK(policy.restart == c.restart);
        CHECK(policy.start_at_boot == c.at_boot);
    }
    auto vmi = unit_policy_for(nullptr);
    CHECK(vmi.restart == "no");
    CHECK_FALSE(vmi.start_at_boot);
}

TEST_CASE("runStrategies a unit cannot follow are refused") {
    Json receiver = vm_with(R"({"runStrategy": "WaitAsReceiver"})");
    CHECK(error_of([&] { unit_policy_for(&receiver); }) ==
          "/spec/runStrategy: runStrategy WaitAsReceiver waits for a live migration to this host, which no other "
          "host sends here; use Manual (started by hand) or Halted");
    Json unknown = vm_with(R"({"runStrategy": "Sometimes"})");
    CHECK(error_of([&] { unit_policy_for(&unknown); }) ==
          "/spec/runStrategy: runStrategy 'Sometimes' is not one KubeVirt knows; use Always, RerunOnFailure, "
          "Manual, Halted or Once");
}

TEST_CASE("boot link: a plain unit that starts at boot only") {
    CHECK(boot_link(input_for("Always", "4.3.1")) == "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service");
    CHECK(boot_link(input_for("Manual", "4.3.1")).empty());
    CHECK(boot_link(input_for("Always", "5.4")).empty());  // Quadlet's generator links from [Install]
}

TEST_CASE("exec_quote escapes what systemd would expand") {
    CHECK(exec_quote(R"(a "b" \c $HOME 100%)") == R"("a \"b\" \\c $$HOME 100%%")");
}

TEST_CASE("the unit's result is guest-shutdown's exit code on every Podman, never kube play's propagation") {
    // Quadlet: ExecStopPost reads it (kube play's propagation "any" failed every
    // stop: the stop SIGKILLs the lingering virt-launcher, 137); plain: the main
    // process waits on it.
    const std::string stop_post =
        "ExecStopPost=/bin/sh -c \"exit \\\"$$(/usr/bin/podman container inspect --format '{{.State.ExitCode}}' "
        "virt-launcher-web-guest-shutdown 2>/dev/null || echo 1)\\\"\"\n";
    for (const char* podman : {"4.4", "4.5", "4.6", "4.9", "5.0", "5.4"}) {
        CAPTURE(podman);
        std::string text = render_unit(input_for("RerunOnFailure", podman));
        CHECK(text.find(stop_post) != std::string::npos);
        CHECK(text.find("ExitCodePropagation") == std::string::npos);
        CHECK(text.find("exit-code-propagation") == std::string::npos);
    }
    std::string plain = render_unit(input_for("RerunOnFailure", "4.3.1"));
    CHECK(plain.find("ExecStart=/bin/sh -c \"exit \\\"$$(/usr/bin/podman wait virt-launcher-web-guest-shutdown)\\\"\"\n") !=
          std::string::npos);
}

TEST_CASE("a Pod that imports DataVolumes starts without a time limit, on both flavors") {
    for (const char* podman : {"4.3.1", "5.4"}) {
        CAPTURE(podman);
        auto input = input_for("Always", podman);
        CHECK(render_unit(input).find("TimeoutStartSec=900\n") != std::string::npos);
        input.imported_volumes = {"web-root", "web-data"};
        std::string text = render_unit(input);
        CHECK(text.find("# kube play first imports the DataVolumes web-root, web-data (once), as long as it takes.\n"
                        "TimeoutStartSec=infinity\n") != std::string::npos);
        CHECK(text.find("TimeoutStartSec=900") == std::string::npos);
    }
}
