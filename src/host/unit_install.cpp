// SPDX-License-Identifier: Apache-2.0
#include "host/unit_install.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace kvpod::host {
namespace {

std::string boot_link_of(const kubevirt::UnitFiles& plain) {
    return std::string(kubevirt::kSystemdUnitDir) + "/multi-user.target.wants/" + plain.service;
}

std::string under(const std::string& root, const std::string& abs) {
    return root == "/" ? abs : (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + abs;
}

Error sys_error(const std::string& what, const std::string& where) {
    return Error(what + ": " + std::strerror(errno), where);
}

bool present(const std::string& real) {
    struct stat st {};
    if (::lstat(real.c_str(), &st) == 0) return true;
    if (errno != ENOENT && errno != ENOTDIR) throw sys_error("cannot look at it", real);
    return false;
}

void make_dirs(const std::string& real_dir) {
    std::error_code ec;
    std::filesystem::create_directories(real_dir, ec);
    if (ec) throw Error("cannot create the directory: " + ec.message(), real_dir);
}

/// Moves `tmp` to `real`; without `replace`, fails with EEXIST if something
/// is there (renameat2 RENAME_NOREPLACE, or link where that is unsupported).
void move_into_place(const std::string& tmp, const std::string& real, bool replace) {
    int rc;
    if (replace) {
        rc = ::rename(tmp.c_str(), real.c_str());
    } else {
        rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, real.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            rc = ::link(tmp.c_str(), real.c_str());
            if (rc == 0) ::unlink(tmp.c_str());
        }
    }
    if (rc != 0) {
        int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        if (saved == EEXIST) throw Error("exists (written meanwhile)", real);
        throw sys_error("cannot put it in place", real);
    }
}

std::string temp_beside(const std::string& real) {
    auto slash = real.rfind('/');
    // A leading dot and no unit suffix: neither systemd nor Quadlet reads it.
    return real.substr(0, slash + 1) + "." + real.substr(slash + 1) + ".XXXXXX";
}

void write_atomically(const std::string& real, const std::string& content, bool replace) {
    make_dirs(real.substr(0, real.rfind('/')));
    std::string tmp = temp_beside(real);
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw sys_error("cannot create a file beside it", real);
    bool ok = ::fchmod(fd, 0644) == 0;
    for (std::size_t done = 0; ok && done < content.size();) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp.c_str());
        errno = saved;
        throw sys_error("cannot write it", real);
    }
    move_into_place(tmp, real, replace);
}

void link_atomically(const std::string& real, const std::string& target, bool replace) {
    make_dirs(real.substr(0, real.rfind('/')));
    for (int attempt = 0;; ++attempt) {
        std::string tmp = temp_beside(real);
        tmp.replace(tmp.size() - 6, 6, std::to_string(::getpid()) + "-" + std::to_string(attempt));
        if (::symlink(target.c_str(), tmp.c_str()) == 0) return move_into_place(tmp, real, replace);
        if (errno != EEXIST || attempt > 100) throw sys_error("cannot create the link", real);
    }
}

bool remove_if_present(const std::string& real) {
    if (::unlink(real.c_str()) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    throw sys_error("cannot remove it", real);
}

}  // namespace

std::vector<std::string> unit_paths(const std::string& vm) {
    std::vector<std::string> paths;
    for (const auto& files : kubevirt::all_unit_files(vm)) {
        paths.push_back(files.unit);
        paths.push_back(files.pod_yaml);
        if (files.flavor == kubevirt::UnitFlavor::Plain) paths.push_back(boot_link_of(files));
    }
    return paths;
}

std::vector<std::string> install_unit(const std::string& host_root, const UnitInstall& install, bool force) {
    const auto all = unit_paths(install.vm);
    if (!force)
        for (const auto& path : all)
            if (present(under(host_root, path)))
                throw Error("exists: a unit of VM " + install.vm + " is installed", under(host_root, path),
                            "kubevirt-vm-to-pod uninstall " + install.vm + " removes it; --force replaces it");

    std::vector<std::string> written;
    bool yaml_existed = present(under(host_root, install.files.pod_yaml));
    write_atomically(under(host_root, install.files.pod_yaml), install.pod_text, force);
    written.push_back(install.files.pod_yaml);
    try {
        write_atomically(under(host_root, install.files.unit), install.unit_text, force);
    } catch (...) {
        if (!yaml_existed) ::unlink(under(host_root, install.files.pod_yaml).c_str());
        throw;
    }
    written.push_back(install.files.unit);
    if (!install.boot_link.empty()) {
        link_atomically(under(host_root, install.boot_link), install.files.unit, force);
        written.push_back(install.boot_link);
    }
    // With --force, what an earlier install of the other flavor (or with
    // another runStrategy) left goes.
    for (const auto& path : all)
        if (std::find(written.begin(), written.end(), path) == written.end()) remove_if_present(under(host_root, path));
    return written;
}

std::vector<std::string> uninstall_unit(const std::string& host_root, const std::string& vm) {
    std::vector<std::string> removed;
    // The unit first: systemd must not find a unit whose Pod is gone.
    auto paths = unit_paths(vm);
    std::stable_partition(paths.begin(), paths.end(), [](const std::string& p) {
        return p.size() < 5 || p.compare(p.size() - 5, 5, ".yaml") != 0;
    });
    for (const auto& path : paths)
        if (remove_if_present(under(host_root, path))) removed.push_back(path);
    if (removed.empty()) {
        const auto files = kubevirt::all_unit_files(vm);
        throw Error("no unit of VM " + vm + " is installed", host_root,
                    "install looks for " + files[0].unit + " and " + files[1].unit +
                        "; kubevirt-vm-to-pod install VM.yaml installs one");
    }
    return removed;
}

}  // namespace kvpod::host
