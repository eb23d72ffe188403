// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the converter's input path: the bytes of a VM file
// go through run_convert(), the one call kubevirt-vm-to-pod's main makes
// (bounded read, YAML/JSON documents, VM/VMI selection, expand_vmi, the
// launcher Pod, its YAML). Refusing input with a kvpod::Error is fine; any
// other exception, a crash or a sanitizer report is a finding. A Pod that
// was written must read back as the same Pod, since podman kube play reads it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "core/document.hpp"
#include "core/error.hpp"
#include "vm2pod/convert_cmd.hpp"

namespace {

/// The input as stdin: run_convert reads a file descriptor, so a memfd stands
/// in for the pipe a user would give (nothing touches the disk).
struct MemoryStdin {
    std::FILE* stream = nullptr;

    MemoryStdin(const std::uint8_t* data, std::size_t size) {
        int fd = ::memfd_create("converter-input", MFD_CLOEXEC);
        if (fd < 0) __builtin_trap();
        std::size_t done = 0;
        while (done < size) {
            ssize_t n = ::write(fd, data + done, size - done);
            if (n <= 0) __builtin_trap();
            done += static_cast<std::size_t>(n);
        }
        if (::lseek(fd, 0, SEEK_SET) != 0) __builtin_trap();
        stream = ::fdopen(fd, "r");
        if (!stream) __builtin_trap();
    }
    ~MemoryStdin() { std::fclose(stream); }
    MemoryStdin(const MemoryStdin&) = delete;
    MemoryStdin& operator=(const MemoryStdin&) = delete;
};

/// The Pod text of one conversion, or nothing when the input was refused.
std::optional<std::string> convert(const std::uint8_t* data, std::size_t size, const std::string& output) {
    kvpod::vm2pod::CommandOptions options;  // the command line's defaults
    options.input = "-";
    options.output = output;
    MemoryStdin in(data, size);
    try {
        return kvpod::vm2pod::run_convert(options, in.stream).text;
    } catch (const kvpod::Error&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using kvpod::document::parse_yaml;
    auto yaml = convert(data, size, "yaml");
    if (!yaml) return 0;
    if (yaml->empty()) __builtin_trap();
    // The Pod may be larger than its VM (the VMI travels in an env value):
    // only the size bound is lifted; depth and nodes keep their limits.
    kvpod::document::Limits limits;
    limits.max_bytes = 64 * 1024 * 1024;
    nlohmann::json pod;
    try {
        pod = parse_yaml(*yaml, "pod.yaml", limits);
    } catch (const kvpod::Error&) {
        __builtin_trap();  // we wrote YAML that does not read back
    }
    if (!pod.is_object() || pod.value("kind", std::string()) != "Pod") __builtin_trap();
    // --output=json is the same Pod: the YAML writer's quoting loses nothing.
    auto json = convert(data, size, "json");
    if (!json || parse_yaml(*json, "pod.json", limits) != pod) __builtin_trap();
    return 0;
}
