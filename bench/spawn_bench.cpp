// SPDX-License-Identifier: Apache-2.0
// spawn-bench: runs commands many times with their stdin read from a file
// and prints each one's wall time per run (median, p95) and peak RSS, one CSV
// line per command: label,runs,median_us,p95_us,max_rss_kib. Used by
// bench/run.sh to compare the hook with the cost of starting any process.
// Several rows (--row) run interleaved, one run of each in turn (each round
// starting one row later), so that a shared machine's drift over the
// minutes of a run hits every row alike and their ratios hold.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: spawn-bench [--runs N] [--warmup N] --label L --input FILE -- COMMAND [ARGS...]\n"
                 "       spawn-bench [--runs N] [--warmup N] --row LABEL FILE COMMAND [ARGS...] [--row ...]\n");
    std::exit(2);
}

struct Row {
    std::string label;
    std::string input;
    std::vector<char*> command;  // null-terminated for posix_spawn
    std::vector<double> times;
    long max_rss = 0;
};

struct Run {
    double micros;
    long max_rss_kib;
};

Run run_once(char** argv, const char* input) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    if (int err = posix_spawn(&pid, argv[0], &actions, nullptr, argv, environ); err != 0) {
        std::fprintf(stderr, "spawn-bench: cannot run %s: %s\n", argv[0], std::strerror(err));
        std::exit(1);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    auto end = std::chrono::steady_clock::now();
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "spawn-bench: %s failed (status %d)\n", argv[0], status);
        std::exit(1);
    }
    return {std::chrono::duration<double, std::micro>(end - start).count(), usage.ru_maxrss};
}

}  // namespace

int main(int argc, char** argv) {
    std::string label, input;
    int runs = 500, warmup = 50;
    std::vector<Row> rows;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0 && std::strcmp(argv[i], "--row") != 0; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc) usage();
        if (arg == "--label") label = argv[++i];
        else if (arg == "--input") input = argv[++i];
        else if (arg == "--runs") runs = std::atoi(argv[++i]);
        else if (arg == "--warmup") warmup = std::atoi(argv[++i]);
        else usage();
    }
    if (runs < 1 || warmup < 0 || i >= argc) usage();
    if (std::strcmp(argv[i], "--") == 0) {  // one command
        if (i + 1 >= argc || label.empty() || input.empty()) usage();
        rows.push_back(Row{label, input, {argv + i + 1, argv + argc}, {}, 0});
    } else {
        while (i < argc) {  // at a --row
            if (i + 3 >= argc || !label.empty() || !input.empty()) usage();
            Row row{argv[i + 1], argv[i + 2], {}, {}, 0};
            for (i += 3; i < argc && std::strcmp(argv[i], "--row") != 0; ++i) row.command.push_back(argv[i]);
            if (row.command.empty()) usage();
            rows.push_back(std::move(row));
        }
    }
    for (auto& row : rows) row.command.push_back(nullptr);

    for (int w = 0; w < warmup; ++w)
        for (auto& row : rows) run_once(row.command.data(), row.input.c_str());
    for (int r = 0; r < runs; ++r) {
        // Each round starts one row later: a run right after a heavy one
        // (jq) was measured slower, and a fixed order gave that to one row.
        for (std::size_t k = 0; k < rows.size(); ++k) {
            auto& row = rows[(static_cast<std::size_t>(r) + k) % rows.size()];
            Run one = run_once(row.command.data(), row.input.c_str());
            row.times.push_back(one.micros);
            row.max_rss = std::max(row.max_rss, one.max_rss_kib);
        }
    }
    for (auto& row : rows) {
        std::sort(row.times.begin(), row.times.end());
        double median = row.times[row.times.size() / 2];
        double p95 = row.times[std::min(row.times.size() - 1, static_cast<std::size_t>(row.times.size() * 0.95))];
        std::printf("%s,%d,%.1f,%.1f,%ld\n", row.label.c_str(), runs, median, p95, row.max_rss);
    }
    return 0;
}
