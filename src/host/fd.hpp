// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <unistd.h>

namespace kvpod::host {

/// Closes a descriptor at scope exit.
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

}  // namespace kvpod::host
