// SPDX-License-Identifier: Apache-2.0
// convert-bench: the converter's whole command (read the files, pick the
// documents, expand the VM, render the Pod, write YAML) in-process, for
// every VM and VMI of a directory of examples that converts, N times each.
// Prints one CSV line per VM (file,runs,median_us,p95_us,max_us) and a
// summary with the peak RSS of the process. The target is under 5 ms a VM.
//
//   convert-bench [--runs N] DIR
//
// An instancetype or preference a VM names is taken from DIR, as the
// golden tests do.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/json_util.hpp"
#include "host/files.hpp"
#include "vm2pod/convert_cmd.hpp"
#include "core/kubevirt/vm_input.hpp"

using namespace kvpod;
using Json = nlohmann::json;

namespace {

std::string class_of(const std::string& kind) {
    return kind.find("Cluster") != std::string::npos || kind.empty() ? "cluster" : "namespaced";
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 200;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
        else dir = a;
    }
    if (dir.empty() || runs < 1) {
        std::fprintf(stderr, "usage: convert-bench [--runs N] DIR\n");
        return 2;
    }
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());

    std::map<std::string, std::string> referable;
    std::map<std::string, Json> docs;
    for (const auto& f : files) {
        docs[f] = document::parse_yaml(*host::read_file(f, 4 << 20, false), f);
        auto role = kubevirt::role_of(docs[f]);
        if (role == kubevirt::DocumentRole::Instancetype || role == kubevirt::DocumentRole::Preference)
            referable[class_of(docs[f].value("kind", "")) + "/" + docs[f]["metadata"].value("name", "")] = f;
    }

    std::printf("file,runs,median_us,p95_us,max_us\n");
    std::vector<double> all;
    int converted = 0;
    for (const auto& f : files) {
        if (kubevirt::role_of(docs[f]) != kubevirt::DocumentRole::Vm) continue;
        vm2pod::CommandOptions options;
        options.input = f;
        for (const char* field : {"instancetype", "preference"}) {
            const Json* m = find_path(docs[f], {"spec", field});
            if (!m) continue;
            auto it = referable.find(class_of(m->value("kind", "")) + "/" + m->value("name", ""));
            if (it == referable.end()) continue;
            (std::string(field) == "instancetype" ? options.instancetype_file : options.preference_file) = it->second;
        }
        try {
            vm2pod::run_convert(options, stdin);
        } catch (const Error&) {
            continue;  // refused (a Multus network, a DataVolume...): nothing to time
        }
        std::vector<double> times;
        std::size_t bytes = 0;
        for (int r = 0; r < runs; ++r) {
            auto start = std::chrono::steady_clock::now();
            auto out = vm2pod::run_convert(options, stdin);
            auto end = std::chrono::steady_clock::now();
            bytes += out.text.size();
            times.push_back(std::chrono::duration<double, std::micro>(end - start).count());
        }
        all.insert(all.end(), times.begin(), times.end());
        ++converted;
        std::printf("%s,%d,%.0f,%.0f,%.0f\n", std::filesystem::path(f).filename().c_str(), runs, percentile(times, 0.5),
                    percentile(times, 0.95), *std::max_element(times.begin(), times.end()));
        if (bytes == 0) return 1;  // keeps the output alive
    }
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    if (all.empty()) return 1;
    std::printf("# %d VMs x %d runs: median %.0f us, p95 %.0f us, max %.0f us per VM; peak RSS %ld KiB\n", converted, runs,
                percentile(all, 0.5), percentile(all, 0.95), *std::max_element(all.begin(), all.end()), usage.ru_maxrss);
    return 0;
}
