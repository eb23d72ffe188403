// SPDX-License-Identifier: Apache-2.0
#include "host/process.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::host {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
    auto close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 >= text.size()) return std::nullopt;
    auto fields = text::split(text::trim(text.substr(close + 2)), ' ');
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    if (fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
    auto ppid = text::parse_u64(fields[1]);
    auto start = text::parse_u64(fields[19]);
    if (!ppid || !start) return std::nullopt;
    return ProcStat{fields[0][0], static_cast<std::int64_t>(*ppid), *start};
}

std::optional<hook::ProcessRef> ProcessTable::find(std::int64_t pid) const {
    if (pid <= 0) return std::nullopt;
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    auto text = root_.read_text(path, 4096);
    if (!text) return std::nullopt;
    auto stat = parse_proc_stat(*text);
    if (!stat) throw Error("unexpected contents", path, "is /proc a procfs?");
    if (stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return std::nullopt;
    return hook::ProcessRef{pid, stat->start_time};
}

bool ProcessTable::running(const hook::ProcessRef& ref) const {
    try {
        auto now = find(ref.pid);
        return now && now->start_time == ref.start_time;
    } catch (const Error&) {
        return true;
    }
}

bool ProcessTable::container_exists(const std::string& dir) const {
    struct stat st {};
    if (::lstat(root_.real_path(dir).c_str(), &st) == 0) return true;
    return errno != ENOENT && errno != ENOTDIR;
}

std::string ProcessTable::boot_id() const {
    auto text = root_.read_text("/proc/sys/kernel/random/boot_id", 128);
    if (!text || text::trim(*text).empty())
        throw Error("cannot read the boot id", "/proc/sys/kernel/random/boot_id", "is /proc mounted?");
    return text::trim(*text);
}

hook::ProcessRef parent_process(const ProcessTable& table) {
    auto ppid = static_cast<std::int64_t>(::getppid());
    auto ref = ppid > 1 ? table.find(ppid) : std::nullopt;
    if (!ref)
        throw Error("the process that ran the hook (pid " + std::to_string(ppid) + ") is gone", "",
                    "start the container again");
    return *ref;
}

std::string self_executable() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw Error(std::string("cannot read: ") + std::strerror(errno), "/proc/self/exe");
    std::string path(buf, static_cast<std::size_t>(n));
    // After a package upgrade replaced the binary, the link names the old
    // inode; the runtime must run the file that is at the path now.
    constexpr std::string_view deleted = " (deleted)";
    if (text::ends_with(path, deleted)) path.resize(path.size() - deleted.size());
    return path;
}

}  // namespace kvpod::host
