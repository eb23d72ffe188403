// SPDX-License-Identifier: Apache-2.0
// How long precreate holds the allocation lock, and how long a whole
// allocation takes, with N other containers' records in the state directory.
// Prints numbers; asserts nothing (meson test -C build --benchmark allocation;
// TMPDIR picks the filesystem: /run is a tmpfs on most hosts).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/hook/allocation.hpp"
#include "hook/allocate.hpp"
#include "host/allocation_store.hpp"
#include "host/host_root.hpp"
#include "host/process.hpp"

using namespace kvpod;
using Clock = std::chrono::steady_clock;

namespace {

std::string hex_id(unsigned n) {
    char buf[65];
    std::snprintf(buf, sizeof buf, "%064x", n);
    return buf;
}

double median_us(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main() {
    std::string base = (std::filesystem::temp_directory_path() / "kvpod-bench-XXXXXX").string();
    if (!::mkdtemp(base.data())) return 1;
    host::HostRoot proc("/");
    host::ProcessTable processes(proc);
    auto self = *processes.find(::getpid());
    std::printf("state dir under %s; median of 200 allocations each\n", base.c_str());
    std::printf("%8s %14s %14s\n", "records", "whole (us)", "survey (us)");
    for (unsigned records : {0u, 16u, 256u}) {
        std::string dir = base + "/n" + std::to_string(records);
        {
            host::AllocationStore store(dir, processes.boot_id());
            store.lock(std::chrono::seconds(1));
            store.read_records();
            for (unsigned i = 1; i <= records; ++i) {
                char unit[32];
                std::snprintf(unit, sizeof unit, "pci:0000:%02x:%02x.0", (i >> 5) & 0xff, i & 0x1f);
                store.write(hook::AllocationRecord{hex_id(i), hook::ClaimState::Running, {unit}, self, "", "vm"});
            }
        }
        hook::AllocationOptions options{dir, std::chrono::seconds(1), "/usr/libexec/oci-kubevirt-hook", 0};
        hook::Claimant claimant{hex_id(100000), "", "bench"};
        auto planner = [](const std::set<std::string>&, const std::set<std::string>&) {
            hook::DevicePlan plan;
            plan.claimed_units = {"gpu:0000:ff:00.0"};
            return plan;
        };
        std::vector<double> whole, survey_only;
        for (int round = 0; round < 200; ++round) {
            auto t0 = Clock::now();
            hook::plan_exclusive(claimant, options, planner);
            whole.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());

            host::AllocationStore store(dir, processes.boot_id());
            store.lock(std::chrono::seconds(1));
            auto t1 = Clock::now();
            hook::survey(store.read_records(), claimant.container_id, processes);
            survey_only.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t1).count());
        }
        std::printf("%8u %14.0f %14.0f\n", records, median_us(whole), median_us(survey_only));
    }
    std::filesystem::remove_all(base);
    return 0;
}
