// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

/// Parsers for the small text files the host seam reads (procfs, sysfs).
/// Pure, so their edge cases are unit-tested.
namespace kvpod::hook {

/// The "Character devices:" section of /proc/devices: name → major.
std::map<std::string, std::int64_t> parse_proc_devices(std::string_view text);

/// "Device Minor: 3" of /proc/driver/nvidia/gpus/<bdf>/information.
std::optional<unsigned> parse_nvidia_device_minor(std::string_view text);

/// /proc/driver/nvidia-caps/mig-minors: "gpu0/gi1/access 12" → minor, by cap.
std::map<std::string, unsigned> parse_mig_minors(std::string_view text);

/// A sysfs number file ("0x10de\n", "1\n", "-1\n"); nullopt when it is not one.
std::optional<std::int64_t> parse_sysfs_number(std::string_view text);

/// The major of "major:minor" text ("226:129\n"), with the minor.
std::optional<std::pair<std::int64_t, std::int64_t>> parse_dev_numbers(std::string_view text);

}  // namespace kvpod::hook
