// SPDX-License-Identifier: Apache-2.0
// The Pod's grace period (pod_grace.cpp): KubeVirt's padding, Kubernetes'
// floor, Podman's ceiling, and what each Podman really waits.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pod_render_support.hpp"

using namespace kvpod;
using namespace kvpod::testing;
using Json = nlohmann::json;

namespace {

std::vector<std::string> grace_warnings(const Rendered& r) {
    std::vector<std::string> out;
    for (const auto& w : r.warnings)
        if (w.where.find("terminationGracePeriodSeconds") != std::string::npos) out.push_back(w.where + ": " + w.message);
    return out;
}

Json with_grace(const char* seconds) {
    return variant((std::string(R"({"spec": {"terminationGracePeriodSeconds": )") + seconds + "}}").c_str());
}

}  // namespace

TEST_CASE("the Pod waits the VMI's grace period + 30 s, virt-launcher + 15 s (template.go)") {
    struct Case {
        const char* vmi_seconds;  // null: the VMI has none
        std::int64_t pod_seconds;
        const char* launcher_seconds;
        std::vector<std::string> warnings;
    };
    const std::vector<Case> cases = {
        {nullptr, 60, "45", {}},
        {"0", 30, "15", {}},
        {"180", 210, "195", {}},
        {"-20", 10, "-5", {}},
        {"-30", 0, "-15", {}},
        // Kubernetes makes a negative Pod grace period 1; Podman would read
        // it unsigned. virt-launcher gets KubeVirt's number unchanged.
        {"-100", 1, "-85",
         {"/spec/terminationGracePeriodSeconds: -100 leaves the Pod a negative grace period (-70 s); it gets 1 s, as "
          "Kubernetes makes it"}},
        // The most Podman can wait (int64 nanoseconds), less KubeVirt's 30.
        {"9223372006", 9223372036, "9223372021", {}},
    };
    for (const auto& c : cases) {
        const std::string vmi_seconds = c.vmi_seconds ? c.vmi_seconds : "absent";
        CAPTURE(vmi_seconds);
        auto r = render(c.vmi_seconds ? with_grace(c.vmi_seconds) : variant(R"({"spec": {"terminationGracePeriodSeconds": null}})"));
        CHECK(r.spec()["terminationGracePeriodSeconds"] == c.pod_seconds);
        CHECK(r.compute()["command"][15] == "--grace-period-seconds");
        CHECK(r.compute()["command"][16] == c.launcher_seconds);
        CHECK(grace_warnings(r) == c.warnings);
    }
}

TEST_CASE("a grace period longer than Podman can wait is refused") {
    for (const char* seconds : {"9223372007", "9223372036854775807"}) {
        const std::string given = seconds;
        CAPTURE(given);
        CHECK(error_of([&] { render(with_grace(seconds)); }) ==
              std::string("/spec/terminationGracePeriodSeconds: ") + seconds +
                  " seconds and KubeVirt's 30 more for the Pod are more than Podman can wait (9223372036 s); give a "
                  "shorter grace period");
    }
}

TEST_CASE("where Podman does not wait for the grace period, the warning says how to stop the VM") {
    const std::string where = "Pod /spec/terminationGracePeriodSeconds: ";
    auto before_4_7 = [&](const char* podman) {
        return where + "Podman " + podman + " ignores it (kube play reads it from 4.7 on): SIGKILL follows SIGTERM "
               "after containers.conf's stop_timeout (10 s unless set), which can come before virt-launcher has "
               "stopped QEMU; stop the VM with podman pod stop -t 60 virt-launcher-cirros-test, also before podman "
               "kube down or kube play --replace (which kill at once before Podman 5.1), or play the Pod with "
               "stop_timeout = 60 in the [engine] table of containers.conf (a private one through CONTAINERS_CONF "
               "keeps it to the VMs)";
    };
    auto before_5_1 = [&](const char* podman) {
        return where + "podman kube down and kube play --replace on Podman " + podman + " kill the VM at once (they "
               "wait for the grace period from 5.1 on): stop it first with podman pod stop virt-launcher-cirros-test";
    };
    struct Case {
        const char* podman;
        std::vector<std::string> warnings;
    };
    const std::vector<Case> cases = {
        {"4.3.1", {before_4_7("4.3")}}, {"4.6", {before_4_7("4.6")}}, {"4.7", {before_5_1("4.7")}},
        {"5.0.3", {before_5_1("5.0")}}, {"5.1", {}},                  {"5.4.2", {}},
    };
    for (const auto& c : cases) {
        const std::string podman = c.podman;
        CAPTURE(podman);
        auto r = render(cirros(), on_podman(c.podman));
        CHECK(r.spec()["terminationGracePeriodSeconds"] == 60);
        CHECK(grace_warnings(r) == c.warnings);
    }
}
