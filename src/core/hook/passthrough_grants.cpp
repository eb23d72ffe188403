// SPDX-License-Identifier: Apache-2.0
#include "core/hook/passthrough_grants.hpp"

#include <algorithm>

#include "core/hook/host_text.hpp"
#include "core/hook/resource_names.hpp"
#include "core/kubevirt/memory_overhead.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

std::optional<std::int64_t> major_of(const HostInventory& inv, const char* name) {
    auto it = inv.char_majors.find(name);
    if (it == inv.char_majors.end()) return std::nullopt;
    return it->second;
}

std::string located(const Unit& unit) {
    std::string out;
    if (unit.numa_node >= 0) out += "; NUMA node " + std::to_string(unit.numa_node);
    if (unit.pcie_switch) out += ", PCIe switch " + unit.pcie_switch->str();
    if (unit.mode == UnitMode::Vfio && unit.function->physfn) out += "; SR-IOV VF of " + unit.function->physfn->str();
    return out;
}

std::string device_label(const PciFunction& f) {
    std::string out = f.ids();
    if (!f.name.empty()) out += " " + text::quoted(f.name);
    return out;
}

/// "5658116801 bytes (5.3 GiB)" for the plan.
std::string bytes_label(std::uint64_t bytes) {
    std::string scaled = bytes >= (1ull << 30) ? text::one_decimal(bytes, 30) + " GiB" : text::one_decimal(bytes, 20) + " MiB";
    return std::to_string(bytes) + " bytes (" + scaled + ")";
}

}  // namespace

void GrantBuilder::add_env(const std::string& name, const std::string& value) {
    auto it = std::find_if(env_.begin(), env_.end(), [&](const auto& e) { return e.first == name; });
    if (it == env_.end()) env_.push_back({name, {value}});
    else it->second.push_back(value);
}

PlanRow GrantBuilder::grant(const DeviceRequest& request, const Resolution& resolution, const Unit& unit) {
    std::vector<std::string> nodes;
    auto give = [&](const std::string& path) {
        const HostNode* node = inventory_.node(path);
        if (!node) return;
        plan_.grant_node(*node, owner_);
        nodes.push_back(path + " (" + describe(*node) + ")");
    };
    std::string why;
    std::string via;
    switch (unit.mode) {
    case UnitMode::Vfio: {
        const PciFunction& f = *unit.function;
        give(vfio_group_path(*f.iommu_group));
        for (const auto& cdev : f.vfio_cdevs) give(vfio_cdev_path(cdev));
        if (!f.vfio_cdevs.empty()) iommufd_users_.push_back(request.label());
        vfio_users_.push_back(request.label());
        std::string env = resource_env_name(kPciResourcePrefix, resolution.resource);
        add_env(env, f.bdf());
        via = "vfio-pci, IOMMU group " + std::to_string(*f.iommu_group);
        why = device_label(f) + " by " + resolution.describe() + located(unit) + "; " + env;
        break;
    }
    case UnitMode::Mdev: {
        const MediatedDevice& m = *unit.mdev;
        give(vfio_group_path(*m.iommu_group));
        vfio_users_.push_back(request.label());
        std::string env = resource_env_name(kMdevResourcePrefix, resolution.resource);
        add_env(env, m.uuid);
        via = text::quoted(m.type_name) + " on " + m.parent + ", IOMMU group " + std::to_string(*m.iommu_group);
        why = "mediated device by " + resolution.describe() + located(unit) + "; " + env;
        break;
    }
    case UnitMode::HostGpu: {
        const PciFunction& f = *unit.function;
        if (f.nvidia_minor) {
            nvidia_users_.push_back(request.label());
            give(nvidia_gpu_path(*f.nvidia_minor));
            if (unit.mig) {
                give(nvidia_cap_path(*unit.mig->access_minor));
                for (const auto& [ci, minor] : unit.mig->compute) give(nvidia_cap_path(*minor));
            }
        } else {
            if (f.driver == "amdgpu") kfd_users_.push_back(request.label());
            for (const auto& d : f.drm) give(drm_path(d.name));
        }
        via = f.driver + " (host driver)";
        why = device_label(f) + " by " + resolution.describe() + located(unit);
        // Only --mount-devices gets here: the hook refuses such a GPU.
        plan_.warnings.push_back(request.label() + " " + request.device_name + ": " + unit.subject() +
                                 " is on its host driver " + f.driver +
                                 ": its nodes are in the Pod, but virt-launcher will not attach a GPU on its host "
                                 "driver and refuses to start the VM; it needs the GPU bound to vfio-pci and its "
                                 "address in " + resource_env_name(kPciResourcePrefix, resolution.resource) +
                                 " (driverctl set-override " + f.bdf() + " vfio-pci, then convert again)");
        break;
    }
    }
    ++granted_;
    std::string grant = unit.subject() + " " + via + ": " + text::join(nodes, ", ");
    return PlanRow{request.label() + " " + request.device_name, grant, RowStatus::Granted, why, ""};
}

void GrantBuilder::shared_node(const std::string& request, const std::string& path, std::optional<std::int64_t> major,
                               std::optional<std::int64_t> minor, bool required, const std::string& why,
                               const std::string& fix) {
    const HostNode* node = inventory_.node(path);
    std::string problem;
    if (auto p = inventory_.node_problems.find(path); p != inventory_.node_problems.end()) problem = path + " " + p->second;
    else if (!node) problem = "the host has no " + path;
    else if (node->type != 'c' || (major && node->major != *major) || (minor && node->minor != *minor))
        problem = path + " is " + describe(*node) + ", not the expected character device";
    if (problem.empty()) {
        plan_.grant_node(*node, owner_);
        plan_.rows.push_back({request, path + " (" + describe(*node) + ")", RowStatus::Granted, why, ""});
        return;
    }
    if (!required) {
        plan_.rows.push_back({request, "", RowStatus::Skipped, problem + "; " + why + " is optional", fix});
        return;
    }
    plan_.rows.push_back({request, "", RowStatus::Refused, problem, fix});
    plan_.refusals.push_back(Error(problem + ", which " + why + " needs", path, fix));
}

void GrantBuilder::finish(const kubevirt::Json& vmi_spec) {
    auto users = [](const std::vector<std::string>& labels) { return " for " + text::join(labels, ", "); };
    if (!vfio_users_.empty())
        shared_node("vfio", kVfioContainerPath, std::nullopt, std::nullopt, true, "the VFIO container" + users(vfio_users_),
                    "load VFIO: modprobe vfio-pci");
    if (!iommufd_users_.empty())
        shared_node("iommufd", kIommufdPath, std::nullopt, std::nullopt, false,
                    "iommufd for the VFIO device cdevs" + users(iommufd_users_), "modprobe iommufd");
    if (!nvidia_users_.empty()) {
        auto nvidia = major_of(inventory_, "nvidia");
        if (!nvidia) nvidia = major_of(inventory_, "nvidia-frontend");
        auto uvm = major_of(inventory_, "nvidia-uvm");
        std::string for_gpus = users(nvidia_users_);
        shared_node("nvidiactl", kNvidiaCtlPath, nvidia, 255, true, "NVIDIA's control node" + for_gpus,
                    "create it with nvidia-modprobe (or mknod -m 666 /dev/nvidiactl c 195 255)");
        shared_node("nvidia-uvm", kNvidiaUvmPath, uvm, 0, false, "CUDA unified memory" + for_gpus,
                    "nvidia-modprobe -u -c 0");
        shared_node("nvidia-uvm-tools", kNvidiaUvmToolsPath, uvm, 1, false, "CUDA profiling" + for_gpus,
                    "nvidia-modprobe -u -c 0");
        shared_node("nvidia-modeset", kNvidiaModesetPath, nvidia, 254, false, "display mode setting" + for_gpus,
                    "nvidia-modprobe -m");
    }
    if (!kfd_users_.empty())
        shared_node("kfd", kKfdPath, std::nullopt, std::nullopt, false, "ROCm compute" + users(kfd_users_),
                    "load amdgpu with HSA support (ls -l /dev/kfd)");
    for (const auto& [name, values] : env_) plan_.patch.env.push_back({name, text::join(values, ",")});
    if (granted_ == 0) return;
    // virt-handler raises RLIMIT_MEMLOCK for every VMI with GPUs or host
    // devices (IsVFIOVMI); standalone has no virt-handler, so the limit is set
    // where the runtime starts the container.
    kubevirt::OverheadOptions options;
    if (auto arch = vmi_spec.find("architecture"); arch != vmi_spec.end() && arch->is_string() && !arch->get<std::string>().empty())
        options.architecture = arch->get<std::string>();
    std::uint64_t memlock = kubevirt::memlock_bytes(vmi_spec, options);
    plan_.patch.rlimits.push_back({"RLIMIT_MEMLOCK", memlock, memlock});
    plan_.rows.push_back({"memlock", "RLIMIT_MEMLOCK " + bytes_label(memlock), RowStatus::Granted,
                          "as virt-handler sets it for a VMI with gpus or hostDevices: overhead + guest memory (VFIO pins it)", ""});
}

}  // namespace kvpod::hook
