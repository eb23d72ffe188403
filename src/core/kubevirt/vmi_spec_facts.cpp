// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/vmi_spec_facts.hpp"

#include <string>

#include "core/json_util.hpp"

namespace kvpod::kubevirt {
namespace {

using Json = nlohmann::json;

std::int64_t integer_or_zero(const Json& object, const char* key) {
    const Json* v = find_path(object, {key});
    return v && v->is_number_integer() ? v->get<std::int64_t>() : 0;
}

}  // namespace

std::int64_t vcpus_of(const Json& cpu) {
    std::int64_t vcpus = integer_or_zero(cpu, "cores");
    for (const char* key : {"sockets", "threads"}) {
        std::int64_t n = integer_or_zero(cpu, key);
        if (n != 0) vcpus = vcpus == 0 ? n : vcpus * n;
    }
    return vcpus;
}

bool is_cpu_dedicated(const Json& spec) {
    const Json* v = find_path(spec, {"domain", "cpu", "dedicatedCpuPlacement"});
    return v && v->is_boolean() && v->get<bool>();
}

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

}  // namespace kvpod::kubevirt
