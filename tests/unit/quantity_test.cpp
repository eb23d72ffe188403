// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/memory_overhead.hpp"
#include "core/kubevirt/quantity.hpp"
#include "test_support.hpp"

using kvpod::kubevirt::OverheadOptions;
using kvpod::kubevirt::Quantity;
using kvpod::testing::error_of;
using Json = nlohmann::json;

TEST_CASE("quantities print in Kubernetes' canonical form") {
    struct Case {
        const char* in;
        const char* canonical;
        std::int64_t value;
    };
    const std::vector<Case> cases = {
        {"128Mi", "128Mi", 134217728},
        {"1024Mi", "1Gi", 1073741824},
        {"1.5Gi", "1536Mi", 1610612736},
        {"1000Ki", "1000Ki", 1024000},
        {"512", "512", 512},
        {"2048", "2048", 2048},  // DecimalSI: stays a plain number
        {"100m", "100m", 1},
        {"0.1", "100m", 1},
        {"1.1", "1100m", 2},
        {"1", "1", 1},
        {"2000", "2k", 2000},
        {"50M", "50M", 50000000},
        {"1024M", "1024M", 1024000000},
        {"1e3", "1e3", 1000},
        {"1.5e3", "1500", 1500},
        {"0.5Ki", "512", 512},  // BinarySI under 1024 prints as DecimalSI
        {"1n", "1n", 1},
        {"0.0000000001", "1n", 1},  // rounded up to nano precision
        {"-128Mi", "-128Mi", -134217728},
        {"0", "0", 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        auto q = Quantity::parse(c.in);
        CHECK(q.str() == c.canonical);
        CHECK(q.value() == c.value);
    }
}

TEST_CASE("quantity arithmetic keeps the receiver's format") {
    auto a = Quantity::parse("128Mi");
    a.add(Quantity::of(281280512, Quantity::Format::DecimalSI));
    CHECK(a.str() == "405760Ki");
    Quantity zero;
    zero.add(Quantity::parse("1Gi"));
    CHECK(zero.format() == Quantity::Format::BinarySI);
    CHECK(Quantity::parse("1500m").milli_value() == 1500);
    CHECK(Quantity::parse("1001").scaled_value(3) == 2);
    CHECK(Quantity::parse("500m").value() == 1);
}

TEST_CASE("invalid quantities are refused with the accepted syntax") {
    for (const char* bad : {"", "Mi", "12Q", "1.2.3", "--1", "1e", "1e99", "99999999999999999999999999999999Ei"}) {
        CAPTURE(bad);
        CHECK_FALSE(Quantity::try_parse(bad).has_value());
    }
    CHECK(error_of([] { Quantity::from_json(Json("12Q"), "/spec/domain/resources/requests/memory"); }) ==
          "/spec/domain/resources/requests/memory: invalid quantity '12Q'; write a number with an optional suffix, "
          "e.g. 128Mi, 2Gi, 500m, 1.5");
    CHECK(Quantity::from_json(Json(2), "x").str() == "2");
    CHECK(Quantity::from_json(Json(0.5), "x").str() == "500m");
}

TEST_CASE("memory overhead follows KubeVirt v1.8 (reference section 3.4 worked examples)") {
    auto cirros = Json::parse(R"({"domain": {"resources": {"requests": {"memory": "128Mi", "cpu": "1"}},
        "cpu": {"cores": 1, "sockets": 1, "threads": 1},
        "devices": {"interfaces": [{"name": "default", "masquerade": {}}]}}})");
    OverheadOptions options;
    auto overhead = kvpod::kubevirt::memory_overhead(cirros, options);
    CHECK(overhead.value() == 281280512);
    auto request = Quantity::parse("128Mi");
    request.add(overhead);
    CHECK(request.str() == "405760Ki");

    auto passt = cirros;
    passt["domain"]["devices"]["interfaces"][0] = Json{{"name", "default"}, {"passtBinding", Json::object()}};
    auto with_passt = Quantity::parse("128Mi");
    with_passt.add(kvpod::kubevirt::memory_overhead(passt, options));
    CHECK(with_passt.str() == "661760Ki");

    auto fedora = Json::parse(R"({"domain": {"memory": {"guest": "1024M"}, "cpu": {"cores": 1, "sockets": 1, "threads": 1}}})");
    auto guest = Quantity::parse("1024M");
    guest.add(kvpod::kubevirt::memory_overhead(fedora, options));
    CHECK(guest.str() == "1305018368");
}

TEST_CASE("memory overhead terms") {
    struct Case {
        const char* name;
        const char* spec;
        const char* arch;
        std::int64_t extra_mi;  // beyond the 128Mi/1 vCPU baseline
    };
    const std::vector<Case> cases = {
        {"baseline", R"({})", "amd64", 0},
        {"arm64 pflash", R"({})", "arm64", 128},
        {"no graphics", R"({"domain": {"devices": {"autoattachGraphicsDevice": false}}})", "amd64", -32},
        {"gpu (VFIO)", R"({"domain": {"devices": {"gpus": [{"name": "g", "deviceName": "nvidia.com/X"}]}}})", "amd64", 1024},
        {"sriov (VFIO)", R"({"domain": {"devices": {"interfaces": [{"name": "s", "sriov": {}}]}}})", "amd64", 1024},
        {"tpm", R"({"domain": {"devices": {"tpm": {}}}})", "amd64", 53},
        {"tpm disabled", R"({"domain": {"devices": {"tpm": {"enabled": false}}}})", "amd64", 0},
        {"two exec probes", R"({"livenessProbe": {"exec": {}}, "readinessProbe": {"exec": {}}})", "amd64", 120},
        {"tcp probe", R"({"livenessProbe": {"tcpSocket": {}}})", "amd64", 0},
        {"sev", R"({"domain": {"launchSecurity": {"sev": {}}}})", "amd64", 256},
        {"dedicated cpu", R"({"domain": {"cpu": {"cores": 1, "dedicatedCpuPlacement": true}}})", "amd64", 100},
        {"4 vcpus", R"({"domain": {"cpu": {"cores": 2, "sockets": 2}}})", "amd64", 24},
        {"downward metrics", R"({"volumes": [{"name": "m", "downwardMetrics": {}}]})", "amd64", 1},
        {"added overhead", R"({"domain": {"memory": {"reservedOverhead": {"addedOverhead": "64Mi"}}}})", "amd64", 64},
    };
    OverheadOptions base_options;
    auto baseline = kvpod::kubevirt::memory_overhead(Json::object(), base_options).value();
    CHECK(baseline == (220 + 8 + 8 + 32) * 1048576LL);
    for (const auto& c : cases) {
        CAPTURE(c.name);
        OverheadOptions options;
        options.architecture = c.arch;
        auto spec = Json::parse(c.spec);
        CHECK(kvpod::kubevirt::memory_overhead(spec, options).value() - baseline == c.extra_mi * 1048576LL);
    }
}

TEST_CASE("memlock for a VFIO VMI is overhead plus base memory, as virt-handler sets it") {
    auto spec = Json::parse(R"({"domain": {"resources": {"requests": {"memory": "4Gi"}},
        "cpu": {"cores": 4, "sockets": 1, "threads": 1},
        "devices": {"gpus": [{"name": "g", "deviceName": "nvidia.com/TU104GL_Tesla_T4"}]}}})");
    OverheadOptions options;
    // Both the page-table term and the base memory are rounded up to whole kilobytes (1000).
    std::int64_t four_gi_kilo_rounded = 4294968000;
    std::int64_t pagetables = four_gi_kilo_rounded / 512;
    std::int64_t overhead = pagetables + (220 + 8 * 4 + 8 + 32 + 1024) * 1048576LL;
    CHECK(kvpod::kubevirt::memlock_bytes(spec, options) == static_cast<std::uint64_t>(overhead + four_gi_kilo_rounded));
    auto with_ratio = options;
    with_ratio.additional_ratio = 1.5;
    CHECK(kvpod::kubevirt::memlock_bytes(spec, with_ratio) > kvpod::kubevirt::memlock_bytes(spec, options));
}
