// SPDX-License-Identifier: Apache-2.0
#include "host/host_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "host/fd.hpp"
#include "host/files.hpp"

namespace kvpod::host {
namespace {

std::string describe_errno(int err) { return std::strerror(err); }

std::string relative(std::string_view abs) {
    while (!abs.empty() && abs.front() == '/') abs.remove_prefix(1);
    return abs.empty() ? std::string(".") : std::string(abs);
}

std::pair<std::string, std::string> split_parent(std::string_view abs) {
    auto slash = abs.find_last_of('/');
    if (slash == std::string_view::npos) return {"/", std::string(abs)};
    return {slash == 0 ? std::string("/") : std::string(abs.substr(0, slash)), std::string(abs.substr(slash + 1))};
}

}  // namespace

HostRoot::HostRoot(std::string root) : root_(std::move(root)) {
    if (root_.empty()) root_ = "/";
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0)
        throw Error("cannot open the host root: " + describe_errno(errno), root_,
                    "pass an existing directory to --host-root");
}

HostRoot::~HostRoot() {
    for (const auto& [path, fd] : parent_fds_) ::close(fd);
    if (root_fd_ >= 0) ::close(root_fd_);
}

std::string HostRoot::real_path(std::string_view abs) const {
    if (root_ == "/") return std::string(abs);
    return root_ + std::string(abs);
}

int HostRoot::open_in_root(std::string_view abs, int flags) const {
    std::string rel = relative(abs);
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    // Symlinks resolve as if the root were "/", and /proc magic links are refused.
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how);
    // A ".." resolved while anything on the machine is renamed makes the
    // kernel give up with EAGAIN (it cannot prove the walk stayed inside);
    // openat2(2) says to retry. sysfs links are full of "..".
    for (int attempt = 0; fd < 0 && errno == EAGAIN && attempt < 100; ++attempt)
        fd = ::syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) fd = ::openat(root_fd_, rel.c_str(), flags | O_CLOEXEC);
    return static_cast<int>(fd);
}

int HostRoot::parent_dir(const std::string& abs) const {
    for (const auto& [path, fd] : parent_fds_)
        if (path == abs) return fd;
    // Bounded: a start needs a handful. Past that the oldest is closed (no
    // caller holds one beyond its own lookup). What may throw is done
    // before the open, so a descriptor is never left unrecorded.
    constexpr std::size_t kMaxKept = 16;
    std::string key = abs;
    parent_fds_.reserve(kMaxKept);
    int fd = open_in_root(abs, O_PATH | O_DIRECTORY);
    if (fd < 0) return fd;
    if (parent_fds_.size() == kMaxKept) {
        ::close(parent_fds_.front().second);
        parent_fds_.erase(parent_fds_.begin());
    }
    parent_fds_.emplace_back(std::move(key), fd);
    return fd;
}

std::optional<std::string> HostRoot::read_text(std::string_view abs, std::size_t max_bytes) const {
    // O_NONBLOCK: a FIFO planted here cannot stall the open or the read, and
    // the read is bounded, so what is not a regular file fails or reads
    // short without a stat first (EISDIR for a directory).
    Fd fd(open_in_root(abs, O_RDONLY | O_NOCTTY | O_NONBLOCK));
    if (fd.fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw Error("cannot open: " + describe_errno(errno), std::string(abs));
    }
    std::string out;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            // sysfs attributes of a device that is going away fail with ENODEV.
            if (errno == ENODEV || errno == ENXIO) return std::nullopt;
            throw Error("cannot read: " + describe_errno(errno), std::string(abs));
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_bytes)
            throw Error("file is larger than " + std::to_string(max_bytes) + " bytes", std::string(abs));
    }
    return out;
}

std::optional<hook::HostNode> HostRoot::device_node(std::string_view abs) const {
    auto [parent, name] = split_parent(abs);
    int dir = parent_dir(parent);
    if (dir < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw Error("cannot open: " + describe_errno(errno), parent);
    }
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw Error("cannot stat: " + describe_errno(errno), std::string(abs));
    }
    if (S_ISLNK(st.st_mode))
        throw Error("is a symbolic link, not a device node", std::string(abs),
                    "device nodes are never followed through links; fix the host's /dev");
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        throw Error("is not a device node", std::string(abs), "recreate it with the kernel's numbers (udevadm trigger)");
    hook::HostNode info;
    info.path = std::string(abs);
    info.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
    info.major = major(st.st_rdev);
    info.minor = minor(st.st_rdev);
    info.mode = st.st_mode & 0777;
    info.uid = st.st_uid;
    info.gid = st.st_gid;
    return info;
}

std::vector<std::string> HostRoot::list_dir(std::string_view abs) const {
    Fd fd(open_in_root(abs, O_RDONLY | O_DIRECTORY));
    if (fd.fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return {};
        throw Error("cannot open directory: " + describe_errno(errno), std::string(abs));
    }
    return directory_names(fd.fd, std::string(abs));
}

std::optional<std::string> HostRoot::read_link(std::string_view abs) const {
    auto [parent, name] = split_parent(abs);
    int dir = parent_dir(parent);
    if (dir < 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::readlinkat(dir, name.c_str(), buf, sizeof buf - 1);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
}

bool HostRoot::exists(std::string_view abs) const {
    auto [parent, name] = split_parent(abs);
    int dir = parent_dir(parent);
    if (dir < 0) return false;
    struct stat st {};
    return ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

hook::HostNodes HostRoot::device_nodes(const std::vector<std::string>& paths) const {
    hook::HostNodes nodes;
    for (const auto& path : paths) nodes[path] = device_node(path);
    return nodes;
}

}  // namespace kvpod::host
