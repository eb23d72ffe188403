// SPDX-License-Identifier: Apache-2.0
// The compute container's resources: KubeVirt v1.8's CPU and memory rules.
#include <doctest/doctest.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "core/kubevirt/pod_internal.hpp"
#include "pod_render_support.hpp"

using namespace kvpod;
using namespace kvpod::testing;
using Json = nlohmann::json;

TEST_CASE("the CPU request's text is KubeVirt's float64 division printed with Go's %g, for every count") {
    // The formula KubeVirt runs, with std::to_chars's shortest round-trip text
    // standing in for Go's %g (the same digits for these values).
    auto go_formula = [](std::int64_t total) {
        double value = static_cast<double>(total) / 10;
        double shown = value < 1 ? value * 1000 : value;
        char buf[64];
        auto end = std::to_chars(buf, buf + sizeof buf, shown).ptr;
        return std::string(buf, end) + (value < 1 ? "m" : "");
    };
    for (std::int64_t total = 1; total <= 4096; ++total) {
        CAPTURE(total);
        CHECK(kvpod::kubevirt::pod::cpu_request_text(total) == go_formula(total));
    }
    CHECK(kvpod::kubevirt::pod::cpu_request_text(3) == "300m");
    CHECK(kvpod::kubevirt::pod::cpu_request_text(0) == "0m");
    CHECK(kvpod::kubevirt::pod::cpu_request_text(-5) == "-500m");  // what %gm of -500 gives
    CHECK(kvpod::kubevirt::pod::cpu_request_text(INT64_MIN) == std::to_string(INT64_MIN) + "00m");
    CHECK(kvpod::kubevirt::pod::cpu_request_text(10) == "1");
    CHECK(kvpod::kubevirt::pod::cpu_request_text(11) == "1.1");
}

TEST_CASE("CPU requests: 100m per vCPU (cpuAllocationRatio 10), printed as Kubernetes quantities") {
    struct Case {
        const char* cpu;
        const char* request;
    };
    const std::vector<Case> cases = {
        {R"({"cores": 1, "sockets": 1, "threads": 1})", "100m"},
        {R"({"cores": 2, "sockets": 2, "threads": 1})", "400m"},
        {R"({"cores": 10, "sockets": 1, "threads": 1})", "1"},
        {R"({"cores": 11, "sockets": 1, "threads": 1})", "1100m"},
        {R"({"cores": 4, "sockets": 4, "threads": 2})", "3200m"},
        {R"({"cores": 0, "sockets": 3, "threads": 0})", "300m"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.cpu);
        Json vmi = variant(R"({"spec": {"domain": {"resources": {"requests": {"cpu": null}}}}})");
        vmi["spec"]["domain"]["cpu"] = Json::parse(c.cpu);
        CHECK(render(vmi).requests()["cpu"] == c.request);
    }
    Json io = variant(R"({"spec": {"domain": {"ioThreadsPolicy": "supplementalPool", "ioThreads":
        {"supplementalPoolThreadCount": 2}, "resources": {"requests": {"cpu": null}}}}})");
    CHECK(render(io).requests()["cpu"] == "300m");
}

TEST_CASE("dedicated CPUs: requests = limits = vCPUs (+ emulator thread), memory limit = request + overhead") {
    Json vmi = variant(R"({"spec": {"domain": {"cpu": {"cores": 2, "dedicatedCpuPlacement": true,
        "isolateEmulatorThread": true}, "resources": {"requests": {"cpu": null}}}}})");
    auto r = render(vmi);
    CHECK(r.requests()["cpu"] == "3");
    CHECK(r.limits()["cpu"] == "3");
    // 128Mi + overhead with 2 vCPUs (+8Mi) and dedicated CPU (+100Mi) and passt (+250Mi).
    CHECK(r.requests()["memory"] == r.limits()["memory"]);
    CHECK(r.requests()["memory"] == "772352Ki");
    CHECK(r.spec()["nodeSelector"]["kubevirt.io/cpumanager"] == "true");
}

TEST_CASE("memory: guest only, limits, hugepages, overcommitGuestOverhead") {
    // Reference 3.4: memory.guest 1024M without requests gives 1024000000 + 281018368, DecimalSI.
    auto guest = render(variant(R"({"spec": {"domain": {"memory": {"guest": "1024M"}, "resources": {"requests": null}}}})",
                                "masquerade"));
    CHECK(guest.requests()["memory"] == "1305018368");
    CHECK(guest.requests()["cpu"] == "100m");

    auto limited = render(variant(R"({"spec": {"domain": {"resources": {"requests": {"memory": null},
        "limits": {"memory": "256Mi"}}}}})", "masquerade"));
    // request = limit, both + overhead (page tables count only a request: none was given)
    CHECK(limited.requests()["memory"] == limited.limits()["memory"]);

    auto huge = render(variant(R"({"spec": {"domain": {"memory": {"guest": "1Gi", "hugepages": {"pageSize": "2Mi"}},
        "resources": {"requests": {"memory": "1Gi"}}}}})", "masquerade"));
    CHECK(huge.requests()["hugepages-2Mi"] == "1Gi");
    CHECK(huge.limits()["hugepages-2Mi"] == "1Gi");
    CHECK(huge.warned("hugetlbfs"));
    CHECK(named(huge.compute()["volumeMounts"], "virt-launcher-cirros-test-hugepages")["mountPath"] == "/dev/hugepages");

    auto overcommit = render(variant(R"({"spec": {"domain": {"resources": {"overcommitGuestOverhead": true}}}})"));
    CHECK(overcommit.requests()["memory"] == "128Mi");
}

TEST_CASE("GPUs and host devices: +1 of their resource each, +1Gi VFIO overhead") {
    auto r = render(variant(R"({"spec": {"domain": {"devices": {"gpus": [
        {"name": "gpu1", "deviceName": "nvidia.com/TU104GL_Tesla_T4"},
        {"name": "gpu2", "deviceName": "nvidia.com/TU104GL_Tesla_T4"}],
        "hostDevices": [{"name": "hd", "deviceName": "intel.com/qat"}]}}}})"));
    CHECK(r.requests()["nvidia.com/TU104GL_Tesla_T4"] == "2");
    CHECK(r.limits()["nvidia.com/TU104GL_Tesla_T4"] == "2");
    CHECK(r.limits()["intel.com/qat"] == "1");
    CHECK(r.requests()["memory"] == "1710336Ki");  // 661760Ki + 1Gi
}
