// SPDX-License-Identifier: Apache-2.0
// Readers of the defaulted VMI shared by the pod_*.cpp parts.
#include "core/kubevirt/pod_internal.hpp"

namespace kvpod::kubevirt::pod {
namespace {

const Json& empty_object() {
    static const Json value = Json::object();
    return value;
}

const Json& empty_array() {
    static const Json value = Json::array();
    return value;
}

}  // namespace

const Json& object_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_object() ? *v : empty_object();
}

const Json& array_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_array() ? *v : empty_array();
}

std::string string_at(const Json& root, std::initializer_list<std::string_view> keys) {
    const Json* v = find_path(root, keys);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool bool_at(const Json& root, std::initializer_list<std::string_view> keys, bool fallback) {
    const Json* v = find_path(root, keys);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::int64_t int_at(const Json& root, std::initializer_list<std::string_view> keys, std::int64_t fallback) {
    const Json* v = find_path(root, keys);
    return v && v->is_number_integer() ? v->get<std::int64_t>() : fallback;
}

bool has(const Json& root, std::initializer_list<std::string_view> keys) { return find_path(root, keys) != nullptr; }

std::int64_t vcpus_of(const Json& cpu) {
    std::int64_t vcpus = int_at(cpu, {"cores"}, 0);
    for (const char* key : {"sockets", "threads"}) {
        std::int64_t n = int_at(cpu, {key}, 0);
        if (n != 0) vcpus = vcpus == 0 ? n : vcpus * n;
    }
    return vcpus;
}

bool is_cpu_dedicated(const Json& spec) { return bool_at(spec, {"domain", "cpu", "dedicatedCpuPlacement"}, false); }

Quantity resource_of(const Json& spec, std::string_view kind, std::string_view name) {
    const Json* q = find_path(spec, {"domain", "resources", kind, name});
    if (!q) return Quantity{};
    return Quantity::from_json(*q, "/spec/domain/resources/" + std::string(kind) + "/" + std::string(name));
}

bool wants_guaranteed_qos(const Json& spec) {
    Quantity req_mem = resource_of(spec, "requests", "memory"), lim_mem = resource_of(spec, "limits", "memory");
    Quantity req_cpu = resource_of(spec, "requests", "cpu"), lim_cpu = resource_of(spec, "limits", "cpu");
    bool memory = (req_mem.is_zero() && !lim_mem.is_zero()) || (!req_mem.is_zero() && req_mem == lim_mem);
    bool cpu = !req_cpu.is_zero() && req_cpu == lim_cpu;
    return memory && cpu;
}


}  // namespace kvpod::kubevirt::pod
