// SPDX-License-Identifier: Apache-2.0
#include "core/hook/device_requests.hpp"

#include "core/hook/resource_names.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

using Json = kubevirt::Json;

constexpr const char* kNameFix =
    "use <domain>/<name> as in the KubeVirt CR's permittedHostDevices (e.g. nvidia.com/TU104GL_Tesla_T4); "
    "device paths are never taken from the VM spec, the hook finds the devices on the host";

const Json* devices_of(const Json& spec) {
    auto domain = spec.find("domain");
    if (domain == spec.end() || !domain->is_object()) return nullptr;
    auto devices = domain->find("devices");
    if (devices == domain->end() || !devices->is_object()) return nullptr;
    return &*devices;
}

DeviceRequest read_entry(const Json& entry, RequestList list, std::size_t index, const std::string& where) {
    DeviceRequest request;
    request.list = list;
    request.index = index;
    request.where = where;
    if (!entry.is_object()) {
        request.problem = Error("expected an object with name and deviceName, found " + std::string(entry.type_name()),
                                where);
        return request;
    }
    auto name = entry.find("name");
    if (name != entry.end() && name->is_string()) request.name = name->get<std::string>();
    auto device_name = entry.find("deviceName");
    if (device_name == entry.end() || device_name->is_null()) {
        if (entry.contains("claimName") || entry.contains("requestName"))
            request.problem = Error("asks for a DRA resource claim, which needs Kubernetes' scheduler", where,
                                    "name the device with deviceName instead (standalone mode has no resource claims)");
        else
            request.problem = Error("has no deviceName", where + "/deviceName",
                                    "set deviceName to a resource name such as nvidia.com/TU104GL_Tesla_T4");
        return request;
    }
    if (!device_name->is_string()) {
        request.problem = Error("deviceName must be a string, found " + std::string(device_name->type_name()),
                                where + "/deviceName", kNameFix);
        return request;
    }
    request.device_name = device_name->get<std::string>();
    if (auto problem = resource_name_problem(request.device_name))
        request.problem = Error("deviceName " + text::quoted(request.device_name) + " is not a resource name: " + *problem,
                                where + "/deviceName", kNameFix);
    return request;
}

}  // namespace

std::string DeviceRequest::label() const {
    std::string out = (list == RequestList::Gpus ? "gpus[" : "hostDevices[") + std::to_string(index) + "]";
    if (!name.empty()) out += " " + text::one_line(name.substr(0, 63));
    return out;
}

std::vector<DeviceRequest> read_device_requests(const kubevirt::VmDocument& vm, std::string_view spec_source) {
    std::vector<DeviceRequest> requests;
    const Json* devices = devices_of(vm.vmi_spec);
    if (!devices) return requests;
    const std::pair<const char*, RequestList> lists[] = {{"gpus", RequestList::Gpus},
                                                        {"hostDevices", RequestList::HostDevices}};
    for (const auto& [key, list] : lists) {
        auto entries = devices->find(key);
        if (entries == devices->end() || entries->is_null()) continue;
        std::string base = std::string(spec_source) + ":" + vm.spec_pointer + "/domain/devices/" + key;
        if (!entries->is_array()) {
            DeviceRequest bad;
            bad.list = list;
            bad.where = base;
            bad.problem = Error("expected a list, found " + std::string(entries->type_name()), base);
            requests.push_back(std::move(bad));
            continue;
        }
        for (std::size_t i = 0; i < entries->size(); ++i)
            requests.push_back(read_entry((*entries)[i], list, i, base + "/" + std::to_string(i)));
    }
    return requests;
}

}  // namespace kvpod::hook
