// SPDX-License-Identifier: Apache-2.0
#include "host/allocation_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "core/text.hpp"
#include "host/fd.hpp"
#include "host/files.hpp"

namespace kvpod::host {
namespace {

constexpr const char* kLockName = "lock";
constexpr const char* kBootIdName = "boot-id";
constexpr std::string_view kTempPrefix = ".tmp-";
constexpr std::size_t kMaxRecordBytes = 64 * 1024;

std::string errno_text(int err) { return std::strerror(err); }

std::string octal(unsigned mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
}

const char* kNotWritableFix =
    "make it writable, or set allocation.stateDir in the hook's configuration to a writable directory "
    "(a tmpfs such as /run: claims must end at reboot)";

Error not_writable(const std::string& dir, int err) {
    return Error("not writable (" + errno_text(err) +
                     "), so the VM's devices cannot be kept to one container and the container is not started",
                 dir, kNotWritableFix);
}

/// mkdir -p: parents 0755, the state directory itself 0700.
void make_dirs(const std::string& dir) {
    for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        std::string part = slash == std::string::npos ? dir : dir.substr(0, slash);
        bool leaf = slash == std::string::npos;
        if (::mkdir(part.c_str(), leaf ? 0700 : 0755) != 0 && errno != EEXIST) {
            int err = errno;
            if (err == EROFS || err == EACCES || err == EPERM) throw not_writable(part, err);
            throw Error("cannot create: " + errno_text(err), part, kNotWritableFix);
        }
        if (leaf) return;
    }
}

int open_dir(const std::string& dir) {
    return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

std::string read_small(int dir_fd, const std::string& name, const std::string& path) {
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        throw Error("cannot open: " + errno_text(errno), path);
    }
    std::string text;
    char buf[8192];
    while (text.size() <= kMaxRecordBytes) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw Error("cannot read: " + errno_text(err), path);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;  // more than kMaxRecordBytes is left for the parser to reject
}

bool is_record_name(const std::string& name) {
    if (!text::ends_with(name, hook::kRecordSuffix)) return false;
    return hook::valid_container_id(std::string_view(name).substr(0, name.size() - hook::kRecordSuffix.size()));
}

std::vector<std::string> list_names(int dir_fd, const std::string& dir) {
    Fd fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.fd < 0) throw Error("cannot list: " + errno_text(errno), dir);
    return directory_names(fd.fd, dir);
}

}  // namespace

AllocationStore::AllocationStore(std::string dir, std::string boot_id) : dir_(std::move(dir)), boot_id_(std::move(boot_id)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (dir_.empty() || dir_.front() != '/') throw Error("not an absolute path", dir_, "set allocation.stateDir to an absolute path");
    dir_fd_ = open_dir(dir_);
    if (dir_fd_ < 0 && errno == ENOENT) {
        make_dirs(dir_);
        dir_fd_ = open_dir(dir_);
    }
    if (dir_fd_ < 0) {
        int err = errno;
        if (err == ENOTDIR || err == ELOOP)
            throw Error("not a directory", dir_, "remove it, or set allocation.stateDir to another path");
        throw Error("cannot open: " + errno_text(err), dir_, kNotWritableFix);
    }
    struct stat st {};
    if (::fstat(dir_fd_, &st) != 0) throw Error("cannot stat: " + errno_text(errno), dir_);
    if (st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
        throw Error("owned by uid " + std::to_string(st.st_uid) + " with mode " + octal(st.st_mode & 07777) +
                        ": other users could forge or remove device claims there",
                    dir_, "chown it to the user Podman runs as and chmod 0700 it");
    // Root passes permission checks, so ask the kernel: this also catches a
    // read-only mount before anything is promised.
    if (::faccessat(dir_fd_, ".", W_OK, AT_EACCESS) != 0) throw not_writable(dir_, errno);
    lock_fd_ = ::openat(dir_fd_, kLockName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) throw not_writable(path_of(kLockName), errno);
}

AllocationStore::~AllocationStore() {
    if (lock_fd_ >= 0) ::close(lock_fd_);  // drops the lock
    if (dir_fd_ >= 0) ::close(dir_fd_);
}

void AllocationStore::lock(std::chrono::milliseconds wait) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + wait;
    // Polling with a short, growing sleep rather than a blocking flock keeps
    // the wait bounded without signals; the lock is held for milliseconds.
    auto pause = std::chrono::microseconds(200);
    while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) throw Error("cannot lock: " + errno_text(errno), path_of(kLockName));
        if (Clock::now() >= deadline)
            throw Error("another oci-kubevirt-hook held the allocation lock for more than " +
                            std::to_string(wait.count()) + " ms",
                        path_of(kLockName), "see which process holds it with: fuser -v " + path_of(kLockName));
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(10'000));
    }
    locked_ = true;
}

void AllocationStore::unlock() {
    if (locked_) ::flock(lock_fd_, LOCK_UN);
    locked_ = false;
}

void AllocationStore::check_boot() {
    std::string recorded = text::trim(read_small(dir_fd_, kBootIdName, path_of(kBootIdName)));
    if (recorded == boot_id_) return;
    if (!recorded.empty()) {
        // Every process a record names ended with that boot.
        for (const auto& name : list_names(dir_fd_, dir_))
            if (is_record_name(name)) remove(name);
        notes_.push_back("removed the records of an earlier boot (" + recorded + ")");
    }
    write_file(kBootIdName, boot_id_ + "\n", {});
}

std::vector<hook::RecordFile> AllocationStore::read_records() {
    if (!locked_) throw Error("reading allocation records without the lock", dir_, "this is a bug in oci-kubevirt-hook");
    check_boot();
    std::vector<hook::RecordFile> files;
    for (const auto& name : list_names(dir_fd_, dir_)) {
        if (text::starts_with(name, kTempPrefix)) {
            // Only lock holders write, and we hold the lock: its writer died.
            if (::unlinkat(dir_fd_, name.c_str(), 0) != 0 && errno != ENOENT)
                throw Error("cannot remove a stale temp file: " + errno_text(errno), path_of(name));
            notes_.push_back("removed " + path_of(name) + ", left by a hook that died while writing it");
            continue;
        }
        if (!is_record_name(name)) continue;
        files.push_back(hook::RecordFile{name, path_of(name), read_small(dir_fd_, name, path_of(name))});
    }
    return files;
}

void AllocationStore::write(const hook::AllocationRecord& record, const std::function<void()>& before_rename) {
    write_file(hook::record_file_name(record.container_id), hook::render_record(record), before_rename);
}

void AllocationStore::write_file(const std::string& name, const std::string& text,
                                 const std::function<void()>& before_rename) {
    if (!locked_) throw Error("writing allocation records without the lock", dir_, "this is a bug in oci-kubevirt-hook");
    std::string temp = std::string(kTempPrefix) + std::to_string(::getpid()) + "-" + name;
    int fd = ::openat(dir_fd_, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw not_writable(dir_, errno);
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            ::unlinkat(dir_fd_, temp.c_str(), 0);
            throw Error("cannot write: " + errno_text(err), path_of(temp), kNotWritableFix);
        }
        done += static_cast<std::size_t>(n);
    }
    // fsync before rename: on a disk a crash could otherwise leave the new
    // name on empty contents. The directory is not synced: a record only
    // matters during the boot that wrote it (see check_boot).
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        ::unlinkat(dir_fd_, temp.c_str(), 0);
        throw Error("cannot sync: " + errno_text(err), path_of(temp), kNotWritableFix);
    }
    ::close(fd);
    if (before_rename) before_rename();
    if (::renameat(dir_fd_, temp.c_str(), dir_fd_, name.c_str()) != 0) {
        int err = errno;
        ::unlinkat(dir_fd_, temp.c_str(), 0);
        throw Error("cannot rename into place: " + errno_text(err), path_of(name), kNotWritableFix);
    }
}

void AllocationStore::remove(const std::string& name) {
    if (!locked_) throw Error("removing allocation records without the lock", dir_, "this is a bug in oci-kubevirt-hook");
    if (::unlinkat(dir_fd_, name.c_str(), 0) != 0 && errno != ENOENT)
        throw Error("cannot remove: " + errno_text(errno), path_of(name), kNotWritableFix);
}

std::vector<std::string> AllocationStore::take_notes() {
    std::vector<std::string> out;
    out.swap(notes_);
    return out;
}

}  // namespace kvpod::host
