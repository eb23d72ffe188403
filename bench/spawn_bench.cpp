// SPDX-License-Identifier: Apache-2.0
// spawn-bench: runs a command many times with its stdin read from a file
// and prints the wall time per run (median, p95) and the peak RSS, as one
// CSV line: label,runs,median_us,p95_us,max_rss_kib. Used by bench/run.sh to
// compare the hook with the cost of starting any process.
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
    std::fprintf(stderr, "usage: spawn-bench --label L --input FILE [--runs N] [--warmup N] -- COMMAND [ARGS...]\n");
    std::exit(2);
}

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
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc) usage();
        if (arg == "--label") label = argv[++i];
        else if (arg == "--input") input = argv[++i];
        else if (arg == "--runs") runs = std::atoi(argv[++i]);
        else if (arg == "--warmup") warmup = std::atoi(argv[++i]);
        else usage();
    }
    if (i >= argc - 1 || label.empty() || input.empty() || runs < 1) usage();
    char** command = argv + i + 1;

    for (int w = 0; w < warmup; ++w) run_once(command, input.c_str());
    std::vector<double> times;
    long max_rss = 0;
    for (int r = 0; r < runs; ++r) {
        Run one = run_once(command, input.c_str());
        times.push_back(one.micros);
        max_rss = std::max(max_rss, one.max_rss_kib);
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    double p95 = times[std::min(times.size() - 1, static_cast<std::size_t>(times.size() * 0.95))];
    std::printf("%s,%d,%.1f,%.1f,%ld\n", label.c_str(), runs, median, p95, max_rss);
    return 0;
}
