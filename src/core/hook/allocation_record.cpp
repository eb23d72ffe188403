// SPDX-License-Identifier: Apache-2.0
// The allocation record's file format (see allocation.hpp).
#include <algorithm>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/allocation.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

using Json = document::Json;

constexpr std::string_view kHex = "0123456789abcdef";

bool all_of_chars(std::string_view s, std::string_view allowed) {
    return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

/// "0000:01:00.0": domain, bus, device, function in lower-case hex.
bool valid_pci_address(std::string_view a) {
    if (a.size() != 12 || a[4] != ':' || a[7] != ':' || a[10] != '.') return false;
    return all_of_chars(a.substr(0, 4), kHex) && all_of_chars(a.substr(5, 2), kHex) &&
           all_of_chars(a.substr(8, 2), kHex) && all_of_chars(a.substr(11, 1), "01234567");
}

/// "8-4-4-4-12" lower-case hex, as the kernel names mediated devices.
bool valid_uuid(std::string_view u) {
    if (u.size() != 36) return false;
    for (std::size_t i = 0; i < u.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u[i] != '-' : kHex.find(u[i]) == std::string_view::npos) return false;
    }
    return true;
}

ClaimState parse_state(const std::string& s, const RecordFile& file) {
    if (s == "pending") return ClaimState::Pending;
    if (s == "running") return ClaimState::Running;
    if (s == "stopped") return ClaimState::Stopped;
    throw Error("unknown state " + text::quoted(s), file.path + ":/state");
}

[[noreturn]] void bad(const RecordFile& file, const std::string& pointer, const std::string& what) {
    throw Error(what, file.path + ":" + pointer);
}

const Json& field(const Json& obj, const char* key, const RecordFile& file, const std::string& pointer) {
    auto it = obj.find(key);
    if (it == obj.end()) bad(file, pointer + "/" + key, "missing");
    return *it;
}

std::string string_field(const Json& obj, const char* key, const RecordFile& file) {
    const Json& v = field(obj, key, file, "");
    if (!v.is_string()) bad(file, std::string("/") + key, "expected a string");
    return v.get<std::string>();
}

std::uint64_t unsigned_field(const Json& obj, const char* key, const RecordFile& file, const std::string& pointer) {
    const Json& v = field(obj, key, file, pointer);
    if (!v.is_number_unsigned()) bad(file, pointer + "/" + key, "expected a whole number");
    return v.get<std::uint64_t>();
}

}  // namespace

bool valid_unit_key(std::string_view key) {
    if (text::starts_with(key, "gpu:")) {
        // A MIG GPU instance: "gpu:<bdf>/gi<N>".
        auto slash = key.find('/');
        if (slash == std::string_view::npos) return valid_pci_address(key.substr(4));
        auto instance = key.substr(slash + 1);
        return valid_pci_address(key.substr(4, slash - 4)) && text::starts_with(instance, "gi") &&
               instance.size() <= 5 && all_of_chars(instance.substr(2), "0123456789");
    }
    if (text::starts_with(key, "pci:")) return valid_pci_address(key.substr(4));
    if (text::starts_with(key, "mdev:")) return valid_uuid(key.substr(5));
    return false;
}

bool valid_container_id(std::string_view id) { return id.size() == 64 && all_of_chars(id, kHex); }

std::string record_file_name(const std::string& container_id) { return container_id + std::string(kRecordSuffix); }

std::string_view state_name(ClaimState state) {
    switch (state) {
    case ClaimState::Pending: return "pending";
    case ClaimState::Running: return "running";
    case ClaimState::Stopped: return "stopped";
    }
    return "pending";
}

std::string render_record(const AllocationRecord& record) {
    // ordered_json keeps the keys in the order written, for people reading the file.
    nlohmann::ordered_json doc;
    doc["version"] = kRecordVersion;
    doc["container"] = record.container_id;
    doc["state"] = std::string(state_name(record.state));
    doc["units"] = record.units;
    if (record.owner) doc["owner"] = {{"pid", record.owner->pid}, {"startTime", record.owner->start_time}};
    if (!record.container_dir.empty()) doc["containerDir"] = record.container_dir;
    if (!record.vm.empty()) doc["vm"] = record.vm;
    return doc.dump(2) + "\n";
}

AllocationRecord parse_record(const RecordFile& file) {
    document::Limits limits{64 * 1024, 8, 10'000, true};
    Json doc = document::parse_json(file.text, file.path, limits);
    if (!doc.is_object()) bad(file, "", "expected a JSON object");
    for (const auto& [key, value] : doc.items()) {
        static const std::set<std::string> known = {"version", "container", "state", "units", "owner", "containerDir", "vm"};
        if (!known.count(key)) bad(file, "/" + key, "unknown key");
    }
    const Json& version = field(doc, "version", file, "");
    if (!version.is_number_integer() || version.get<std::int64_t>() != kRecordVersion)
        bad(file, "/version", "expected version " + std::to_string(kRecordVersion) + ", found " + version.dump());

    AllocationRecord record;
    record.container_id = string_field(doc, "container", file);
    if (!valid_container_id(record.container_id)) bad(file, "/container", "not a container id");
    if (file.name != record_file_name(record.container_id))
        bad(file, "/container", "names another container than the file name does");
    record.state = parse_state(string_field(doc, "state", file), file);

    const Json& units = field(doc, "units", file, "");
    if (!units.is_array()) bad(file, "/units", "expected a list");
    for (std::size_t i = 0; i < units.size(); ++i) {
        std::string pointer = "/units/" + std::to_string(i);
        if (!units[i].is_string() || !valid_unit_key(units[i].get<std::string>()))
            bad(file, pointer, "expected a unit key (gpu:<pci address>[/gi<N>], pci:<pci address>, mdev:<uuid>)");
        record.units.push_back(units[i].get<std::string>());
    }
    if (!std::is_sorted(record.units.begin(), record.units.end()) ||
        std::adjacent_find(record.units.begin(), record.units.end()) != record.units.end())
        bad(file, "/units", "not sorted and unique");

    bool holds = record.state != ClaimState::Stopped;
    if (doc.contains("owner") != holds)
        bad(file, "/owner", holds ? "missing for a " + std::string(state_name(record.state)) + " claim"
                                  : "present in a stopped record");
    if (holds) {
        const Json& owner = doc["owner"];
        if (!owner.is_object() || owner.size() != 2) bad(file, "/owner", "expected {pid, startTime}");
        ProcessRef ref;
        auto pid = unsigned_field(owner, "pid", file, "/owner");
        if (pid == 0 || pid > 0x3fffffff) bad(file, "/owner/pid", "not a process id");
        ref.pid = static_cast<std::int64_t>(pid);
        ref.start_time = unsigned_field(owner, "startTime", file, "/owner");
        record.owner = ref;
    }
    if (doc.contains("containerDir")) {
        record.container_dir = string_field(doc, "containerDir", file);
        if (record.container_dir.empty() || record.container_dir.front() != '/')
            bad(file, "/containerDir", "expected an absolute path");
    }
    if (doc.contains("vm")) record.vm = string_field(doc, "vm", file);
    return record;
}

}  // namespace kvpod::hook
