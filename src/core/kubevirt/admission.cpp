// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/admission.hpp"

#include <cctype>
#include <cstdint>

#include "core/error.hpp"
#include "core/kubevirt/names.hpp"
#include "core/kubevirt/quantity.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// [a-z0-9]([-a-z0-9]*[a-z0-9])?: a DNS-1123 label, and each dot-separated
/// part of a subdomain.
bool is_label_text(std::string_view s) {
    if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
    for (char c : s)
        if (!lower_alnum(c) && c != '-') return false;
    return true;
}

/// IsDNS1123Label: what a namespace must be.
bool is_dns_label(std::string_view s) { return s.size() <= 63 && is_label_text(s); }

/// IsQualifiedName's name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63.
bool is_qualified_name_part(std::string_view s) {
    auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

void check_name(const Json& metadata, const char* key, bool label, const std::string& where) {
    std::string value = spec::string(metadata, key);
    if (value.empty()) return;  // read_vm_document refuses a missing name; a missing namespace is "default"
    std::size_t max = label ? 63 : 253;
    if (value.size() > max)
        throw Error(std::string(key) + " is " + std::to_string(value.size()) + " characters long, more than " +
                        std::to_string(max),
                    where, "shorten it: Kubernetes refuses longer names");
    if (label ? !is_dns_label(value) : !is_dns_subdomain(value))
        throw Error(std::string(key) + " " + text::quoted(text::one_line(value)) + " is not a lowercase RFC 1123 " +
                        (label ? "label" : "subdomain"),
                    where,
                    std::string("use a-z, 0-9 and '-'") + (label ? "" : " (and '.' between parts)") +
                        ", starting and ending with a letter or digit");
}

/// validateCPU/Memory{Requests,Limits}NotNegative and the guest memory.
void check_not_negative(const Json& spec, const ExpansionContext& ctx) {
    const Json* domain = spec::get(spec, "domain");
    if (!domain) return;
    auto check = [&](const Json* parent, const char* key, const std::string& relative) {
        if (!parent) return;
        auto q = spec::quantity(*parent, key);
        if (q && *q < Quantity())
            throw Error(text::quoted(q->str()) + " is negative", ctx.at(relative + "/" + key),
                        "give 0 or more: KubeVirt refuses negative resources");
    };
    const Json* resources = spec::get(*domain, "resources");
    for (const char* list : {"requests", "limits"})
        for (const char* key : {"cpu", "memory"})
            check(resources ? spec::get(*resources, list) : nullptr, key, std::string("/domain/resources/") + list);
    check(spec::get(*domain, "memory"), "guest", "/domain/memory");
}

/// The CPU topology fields are uint32 in KubeVirt's API: the API server
/// refuses what does not fit, where the converter would wrap (-1 → 4294967295).
void check_cpu_counts(const Json& spec, const ExpansionContext& ctx) {
    const Json* domain = spec::get(spec, "domain");
    const Json* cpu = domain ? spec::get(*domain, "cpu") : nullptr;
    if (!cpu) return;
    for (const char* key : {"sockets", "cores", "threads", "maxSockets"}) {
        const Json* v = spec::get(*cpu, key);
        if (!v || !v->is_number_integer()) continue;
        bool fits = v->is_number_unsigned() ? v->get<std::uint64_t>() <= 0xffffffffULL
                                            : v->get<std::int64_t>() >= 0 && v->get<std::int64_t>() <= 0xffffffffLL;
        if (!fits)
            throw Error(std::string(key) + " " + v->dump() + " is not a count from 0 to 4294967295",
                        ctx.at(std::string("/domain/cpu/") + key), "give the number of CPUs the VM should see");
    }
}

/// Image references go into the Pod and, for Podman before 5.3, into shell
/// commands: only the characters of registry/name:tag@digest may pass.
void check_image(const Json* holder, const std::string& where) {
    if (!holder) return;
    std::string image = spec::string(*holder, "image");
    auto bad = image.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@+");
    if (bad == std::string::npos) return;
    auto c = static_cast<unsigned char>(image[bad]);
    std::string what = std::isprint(c) ? "'" + std::string(1, image[bad]) + "'" : "a control character";
    throw Error("image " + text::quoted(text::one_line(image)) + " holds " + what + ", which no image reference holds",
                where, "give the image as registry/name:tag or registry/name@sha256:digest");
}

/// A GPU's or host device's deviceName becomes a resource name of the Pod,
/// which Kubernetes wants as an extended resource: domain/name.
void check_device_names(const Json& devices, const char* list, const ExpansionContext& ctx) {
    const Json* items = spec::get(devices, list);
    if (!items || !items->is_array()) return;
    for (std::size_t i = 0; i < items->size(); ++i) {
        std::string name = spec::string((*items)[i], "deviceName");
        if (name.empty()) continue;
        auto slash = name.find('/');
        bool ok = slash != std::string::npos && is_dns_subdomain(name.substr(0, slash)) &&
                  is_qualified_name_part(name.substr(slash + 1));
        if (!ok)
            throw Error("deviceName " + text::quoted(text::one_line(name)) + " is not a device plugin resource name",
                        ctx.at("/domain/devices/" + std::string(list) + "/" + std::to_string(i) + "/deviceName"),
                        "give the resource as vendor-domain/name, e.g. nvidia.com/TU104GL_Tesla_T4");
    }
}

}  // namespace

bool is_dns_subdomain(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    for (const auto& part : text::split(s, '.'))
        if (!is_label_text(part)) return false;
    return true;
}


void check_admission(const Json& doc, const VmDocument& head, const ExpansionContext& ctx) {
    std::string api = spec::string(doc, "apiVersion");
    if (api != "kubevirt.io/v1" && api != "kubevirt.io/v1alpha3")
        throw Error("apiVersion " + text::quoted(text::one_line(api)) + " is not one KubeVirt v1.8 serves",
                    ctx.source + ":/apiVersion", "use apiVersion: kubevirt.io/v1");
    const Json* metadata = spec::get(doc, "metadata");
    check_name(*metadata, "name", false, ctx.source + ":/metadata/name");
    check_name(*metadata, "namespace", true, ctx.source + ":/metadata/namespace");

    const Json& spec = doc.at(Json::json_pointer(head.spec_pointer));
    check_not_negative(spec, ctx);
    check_cpu_counts(spec, ctx);
    if (const Json* volumes = spec::get(spec, "volumes"); volumes && volumes->is_array())
        for (std::size_t i = 0; i < volumes->size(); ++i)
            check_image(spec::get((*volumes)[i], "containerDisk"), ctx.at("/volumes/" + std::to_string(i) + "/containerDisk/image"));
    if (const Json* firmware = spec::get(spec, "domain"); firmware && (firmware = spec::get(*firmware, "firmware")))
        if (const Json* kernel = spec::get(*firmware, "kernelBoot"))
            check_image(spec::get(*kernel, "container"), ctx.at("/domain/firmware/kernelBoot/container/image"));
    if (const Json* domain = spec::get(spec, "domain"))
        if (const Json* devices = spec::get(*domain, "devices"))
            for (const char* list : {"gpus", "hostDevices"}) check_device_names(*devices, list, ctx);
}

}  // namespace kvpod::kubevirt
