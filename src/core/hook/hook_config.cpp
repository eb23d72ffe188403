// SPDX-License-Identifier: Apache-2.0
#include "core/hook/hook_config.hpp"

#include <set>

#include "core/error.hpp"
#include "core/hook/resource_names.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

using Json = document::Json;

/// Walks one object of the config, checking types and rejecting unknown keys.
class Section {
public:
    Section(const Json& node, std::string pointer, std::string_view source)
        : node_(node), pointer_(std::move(pointer)), source_(source) {
        if (!node_.is_object()) fail("", "expected a mapping, found " + std::string(node_.type_name()));
    }

    ~Section() = default;

    /// Call after reading every known key.
    void reject_unknown() const {
        for (const auto& [key, value] : node_.items())
            if (!known_.count(key))
                fail(key, "unknown key " + text::quoted(key), "check the spelling against oci-kubevirt-hook(1)");
    }

    bool has(const std::string& key) {
        known_.insert(key);
        return node_.contains(key) && !node_[key].is_null();
    }

    bool boolean(const std::string& key, bool fallback) {
        if (!has(key)) return fallback;
        if (!node_[key].is_boolean()) fail(key, "expected true or false");
        return node_[key].get<bool>();
    }

    std::string string(const std::string& key, const std::string& fallback = {}) {
        if (!has(key)) return fallback;
        if (!node_[key].is_string()) fail(key, "expected a string");
        return node_[key].get<std::string>();
    }

    std::uint64_t number(const std::string& key, std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
        if (!has(key)) return fallback;
        const Json& v = node_[key];
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
            fail(key, "expected a whole number");
        auto n = v.get<std::uint64_t>();
        if (n < min || n > max)
            fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return n;
    }

    /// A list of strings; an absent key is an empty list.
    std::vector<std::string> strings(const std::string& key) {
        std::vector<std::string> out;
        if (!has(key)) return out;
        const Json& items = node_[key];
        if (!items.is_array()) fail(key, "expected a list of strings");
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!items[i].is_string()) fail(key + "/" + std::to_string(i), "expected a string");
            out.push_back(items[i].get<std::string>());
        }
        return out;
    }

    Section section(const std::string& key) {
        known_.insert(key);
        return Section(node_[key], pointer_ + "/" + key, source_);
    }

    template <typename Each>
    void list(const std::string& key, Each&& each) {
        if (!has(key)) return;
        const Json& items = node_[key];
        if (!items.is_array()) fail(key, "expected a list");
        for (std::size_t i = 0; i < items.size(); ++i)
            each(Section(items[i], pointer_ + "/" + key + "/" + std::to_string(i), source_));
    }

    [[noreturn]] void fail(const std::string& key, const std::string& what, const std::string& fix = {}) const {
        std::string where = std::string(source_) + ":" + (key.empty() ? pointer_ : pointer_ + "/" + key);
        throw Error(what, where, fix);
    }

private:
    const Json& node_;
    std::string pointer_;
    std::string_view source_;
    std::set<std::string> known_;
};

bool valid_vendor_selector(const std::string& s) {
    if (s.size() != 9 || s[4] != ':') return false;
    return s.find_first_not_of("0123456789abcdef:") == std::string::npos;
}

void read_limits(Section limits, HookConfig& config) {
    config.config_limits.max_bytes = limits.number("configBytes", config.config_limits.max_bytes, 4096, 256u << 20);
    config.spec_limits.max_bytes = limits.number("specBytes", config.spec_limits.max_bytes, 1024, 64u << 20);
    auto depth = limits.number("depth", config.spec_limits.max_depth, 16, 512);
    config.config_limits.max_depth = config.spec_limits.max_depth = depth;
    limits.reject_unknown();
}

/// A policy list: resource names, or "<domain>/*" for every name of a domain.
std::vector<std::string> read_patterns(Section& policy, const std::string& key) {
    auto patterns = policy.strings(key);
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        const std::string& pattern = patterns[i];
        // "<domain>/*" is checked as the domain with a one-letter name.
        std::string name = text::ends_with(pattern, "/*") ? pattern.substr(0, pattern.size() - 1) + "x" : pattern;
        if (auto problem = resource_name_problem(name))
            policy.fail(key + "/" + std::to_string(i),
                        text::quoted(pattern) + " is not a resource name or <domain>/*: " + *problem);
    }
    return patterns;
}

void read_passthrough(Section policy, PassthroughPolicy& out) {
    out.enabled = policy.boolean("enabled", true);
    out.has_allow_list = policy.has("allowedResourceNames");
    out.allowed = read_patterns(policy, "allowedResourceNames");
    out.denied = read_patterns(policy, "deniedResourceNames");
    policy.reject_unknown();
}

}  // namespace

HookConfig parse_hook_config(const Json& doc, std::string_view source) {
    HookConfig config;
    config.source = std::string(source);
    if (doc.is_null()) return config;  // an empty file means the defaults
    Section top(doc, "", source);
    config.allow_emulation = top.boolean("allowEmulation", false);
    if (top.has("permittedHostDevices")) {
        config.has_permitted_host_devices = true;
        Section permitted = top.section("permittedHostDevices");
        permitted.list("pciHostDevices", [&](Section entry) {
            PciHostDeviceSelector sel;
            sel.vendor_selector = text::to_lower(entry.string("pciVendorSelector"));
            sel.resource_name = entry.string("resourceName");
            sel.external_resource_provider = entry.boolean("externalResourceProvider", false);
            if (!valid_vendor_selector(sel.vendor_selector))
                entry.fail("pciVendorSelector", "expected VVVV:DDDD in hex, found " + text::quoted(sel.vendor_selector));
            if (sel.resource_name.empty()) entry.fail("resourceName", "missing");
            entry.reject_unknown();
            config.pci_host_devices.push_back(std::move(sel));
        });
        permitted.list("mediatedDevices", [&](Section entry) {
            MediatedDeviceSelector sel;
            sel.name_selector = entry.string("mdevNameSelector");
            sel.resource_name = entry.string("resourceName");
            sel.external_resource_provider = entry.boolean("externalResourceProvider", false);
            if (sel.name_selector.empty()) entry.fail("mdevNameSelector", "missing");
            if (sel.resource_name.empty()) entry.fail("resourceName", "missing");
            entry.reject_unknown();
            config.mediated_devices.push_back(std::move(sel));
        });
        // USB passthrough is KubeVirt API but not a PCI/VFIO device; accepted so a
        // pasted CR section loads, and reported as unsupported when requested.
        permitted.list("usb", [&](Section entry) {
            config.usb_resource_names.push_back(entry.string("resourceName"));
            entry.has("selectors");
            entry.has("externalResourceProvider");
            entry.reject_unknown();
        });
        permitted.reject_unknown();
    }
    if (top.has("passthrough")) read_passthrough(top.section("passthrough"), config.passthrough);
    if (top.has("limits")) read_limits(top.section("limits"), config);
    if (top.has("allocation")) {
        Section allocation = top.section("allocation");
        config.state_dir = allocation.string("stateDir", config.state_dir);
        if (config.state_dir.empty() || config.state_dir.front() != '/')
            allocation.fail("stateDir", "must be an absolute path");
        allocation.reject_unknown();
    }
    config.deadline_seconds = static_cast<unsigned>(top.number("deadlineSeconds", config.deadline_seconds, 1, 3600));
    top.reject_unknown();
    return config;
}

}  // namespace kvpod::hook
