// SPDX-License-Identifier: Apache-2.0
#include "core/hook/resource_names.hpp"

#include <cctype>

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

/// Kubernetes' IsDNS1123Subdomain.
bool dns_subdomain(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    for (const auto& label : text::split(s, '.')) {
        if (label.empty() || label.size() > 63) return false;
        if (!lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
        for (char c : label)
            if (!lower_alnum(c) && c != '-') return false;
    }
    return true;
}

/// The name part of Kubernetes' IsQualifiedName.
bool qualified_name_part(std::string_view s) {
    if (s.empty() || s.size() > 63) return false;
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

}  // namespace

std::optional<std::string> resource_name_problem(std::string_view name) {
    if (name.empty()) return std::string("it is empty");
    if (name.front() == '/') return std::string("it starts with '/', like a path");
    auto slash = name.find('/');
    if (slash == std::string_view::npos) return std::string("it has no '/' between a domain and a name");
    if (name.find('/', slash + 1) != std::string_view::npos) return std::string("it has more than one '/'");
    auto domain = name.substr(0, slash);
    auto rest = name.substr(slash + 1);
    if (!dns_subdomain(domain))
        return "the domain " + text::quoted(domain) + " is not a DNS subdomain (lower-case letters, digits, '-' and '.')";
    if (!qualified_name_part(rest))
        return "the name " + text::quoted(rest) +
               " is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit";
    return std::nullopt;
}

std::string resource_env_name(std::string_view prefix, std::string_view resource) {
    std::string name = text::to_upper(resource);
    for (char& c : name)
        if (c == '/' || c == '.') c = '_';
    return std::string(prefix) + "_" + name;
}

std::string nvidia_model_name(std::string_view pci_ids_name) {
    std::string upper = text::to_upper(text::trim(pci_ids_name));
    std::string out;
    bool in_space = false;
    for (char c : upper) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!in_space) out += '_';
            in_space = true;
            continue;
        }
        in_space = false;
        if (c == '/' || c == '.') out += '_';
        else if (alnum(c) || c == '_') out += c;
    }
    return out;
}

std::string mdev_type_key(std::string_view type_name) {
    std::string out(type_name);
    for (char& c : out)
        if (c == ' ') c = '_';
    return text::trim(out);
}

GpuVendor gpu_vendor_of(std::string_view resource) {
    std::string lower = text::to_lower(resource);
    if (lower.find("nvidia") != std::string::npos) return GpuVendor::Nvidia;
    if (lower.find("amd") != std::string::npos || lower.find("radeon") != std::string::npos) return GpuVendor::Amd;
    if (lower.find("intel") != std::string::npos) return GpuVendor::Intel;
    return GpuVendor::Other;
}

std::string_view vendor_label(GpuVendor vendor) {
    switch (vendor) {
    case GpuVendor::Nvidia: return "NVIDIA";
    case GpuVendor::Amd: return "AMD";
    case GpuVendor::Intel: return "Intel";
    case GpuVendor::Other: break;
    }
    return "any vendor";
}

std::uint16_t vendor_pci_id(GpuVendor vendor) {
    switch (vendor) {
    case GpuVendor::Nvidia: return 0x10de;
    case GpuVendor::Amd: return 0x1002;
    case GpuVendor::Intel: return 0x8086;
    case GpuVendor::Other: break;
    }
    return 0;
}

}  // namespace kvpod::hook
