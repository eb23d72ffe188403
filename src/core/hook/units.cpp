// SPDX-License-Identifier: Apache-2.0
#include "core/hook/units.hpp"

#include <algorithm>

#include "core/hook/host_text.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

/// Drivers a device may have and still leave its IOMMU group usable for VFIO
/// (Documentation/driver-api/vfio.rst; bridges on pcieport are allowed since
/// the kernel never lets them do DMA for a user).
bool group_friendly(const std::string& driver) {
    return driver.empty() || driver == "vfio-pci" || driver == "pci-stub" || driver == "pcieport";
}

std::string expected_numbers(std::optional<std::int64_t> major, std::int64_t minor) {
    return "c " + (major ? std::to_string(*major) : std::string("?")) + ":" + std::to_string(minor);
}

/// Why the node at `path` cannot be given, as a phrase after the device
/// ("needs /dev/vfio/42, which the host does not have"); "" when it can. When
/// `major` or `minor` are known the node must carry them.
std::string node_problem(const HostInventory& inv, const std::string& path, std::optional<std::int64_t> major,
                         std::optional<std::int64_t> minor) {
    if (auto p = inv.node_problems.find(path); p != inv.node_problems.end()) return "needs " + path + ", which " + p->second;
    const HostNode* node = inv.node(path);
    if (!node) return "needs " + path + ", which the host does not have";
    if (node->type != 'c') return "needs " + path + ", which is not a character device";
    if ((major && node->major != *major) || (minor && node->minor != *minor))
        return "needs " + path + " as " + expected_numbers(major ? major : node->major, minor.value_or(node->minor)) +
               ", but it is " + describe(*node);
    return {};
}

/// "195 3", for mknod.
std::string mknod_numbers(std::optional<std::int64_t> major, std::int64_t minor) {
    return (major ? std::to_string(*major) : std::string("<major>")) + " " + std::to_string(minor);
}

std::optional<std::int64_t> major_of(const HostInventory& inv, const std::string& name) {
    auto it = inv.char_majors.find(name);
    if (it == inv.char_majors.end()) return std::nullopt;
    return it->second;
}

std::optional<std::int64_t> nvidia_major(const HostInventory& inv) {
    // The driver's /proc/devices entry was "nvidia-frontend" before 550.40.
    if (auto m = major_of(inv, "nvidia")) return m;
    return major_of(inv, "nvidia-frontend");
}

Unit make_unit(const PciFunction& f, UnitMode mode, std::string key) {
    Unit u;
    u.key = std::move(key);
    u.mode = mode;
    u.function = &f;
    u.numa_node = f.numa_node;
    u.pcie_switch = f.pcie_switch;
    return u;
}

class Classifier {
public:
    Classifier(const HostInventory& inv, const std::set<std::string>& unavailable, HostGpuNodes host_gpus,
               Candidates& out)
        : inv_(inv), unavailable_(unavailable), host_gpus_(host_gpus), out_(out) {}

    void function(const PciFunction& f) {
        if (f.driver == "vfio-pci") return vfio(f);
        if (host_gpus_ == HostGpuNodes::Give && f.driver == "nvidia") return nvidia(f);
        if (host_gpus_ == HostGpuNodes::Give && is_drm_gpu_driver(f.driver)) return drm(f);
        off_vfio(f);
    }

    void mdev(const MediatedDevice& m) {
        std::string subject = "mdev " + m.uuid;
        if (!m.iommu_group) return unusable(subject, "has no IOMMU group", "recreate the mediated device");
        std::string node = vfio_group_path(*m.iommu_group);
        if (auto problem = node_problem(inv_, node, std::nullopt, std::nullopt); !problem.empty())
            return unusable(subject, problem, "load vfio_mdev/nvidia-vgpu-vfio so the group node exists (ls -l /dev/vfio)");
        Unit u;
        u.key = "mdev:" + m.uuid;
        u.mode = UnitMode::Mdev;
        u.mdev = &m;
        u.numa_node = m.numa_node;
        if (auto parent = PciAddress::parse(m.parent)) u.function = inv_.function(*parent);
        if (u.function) u.pcie_switch = u.function->pcie_switch;
        offer(std::move(u), {});
    }

private:
    void vfio(const PciFunction& f) {
        std::string bdf = f.bdf();
        if (!f.iommu_group)
            return unusable(bdf, "is on vfio-pci but has no IOMMU group", "enable the IOMMU (intel_iommu=on or amd_iommu=on)");
        auto group = inv_.groups.find(*f.iommu_group);
        std::vector<std::string> siblings;
        if (group != inv_.groups.end()) {
            for (const auto& member : group->second.members) {
                if (member.bdf == bdf) continue;
                siblings.push_back("pci:" + member.bdf);
                if (!group_friendly(member.driver))
                    return unusable(bdf,
                                    "shares IOMMU group " + std::to_string(*f.iommu_group) + " with " + member.bdf +
                                        ", which is on " + member.driver +
                                        "; every device of a group must be on vfio-pci (or pci-stub, or no driver)",
                                    bind_to_vfio_fix(member.bdf, member.driver, {}));
            }
        }
        std::string node = vfio_group_path(*f.iommu_group);
        if (auto problem = node_problem(inv_, node, major_of(inv_, "vfio"), std::nullopt); !problem.empty())
            return unusable(bdf, problem, "check that vfio-pci created the group node (ls -l /dev/vfio; udevadm trigger)");
        offer(make_unit(f, UnitMode::Vfio, "pci:" + bdf), siblings);
    }

    void nvidia(const PciFunction& f) {
        std::string bdf = f.bdf();
        if (!f.nvidia_minor)
            return unusable(bdf, "is on nvidia but /proc/driver/nvidia/gpus/" + bdf + "/information gives no Device Minor",
                            "check the NVIDIA driver (nvidia-smi)");
        unsigned minor = *f.nvidia_minor;
        auto major = nvidia_major(inv_);
        std::string node = nvidia_gpu_path(minor);
        if (auto problem = node_problem(inv_, node, major, minor); !problem.empty())
            return unusable(bdf, problem, "create it with nvidia-modprobe -c " + std::to_string(minor) + " (or mknod -m 666 " +
                                              node + " c " + mknod_numbers(major, minor) + ")");
        if (f.mig.empty()) return offer(make_unit(f, UnitMode::HostGpu, "gpu:" + bdf), {});
        auto caps_major = major_of(inv_, "nvidia-caps");
        for (const auto& gi : f.mig) {
            std::string subject = bdf + " MIG gi" + std::to_string(gi.gi);
            std::string problem = mig_problem(minor, gi, caps_major);
            if (!problem.empty()) {
                unusable(subject, problem, mig_fix(minor, gi));
                continue;
            }
            Unit u = make_unit(f, UnitMode::HostGpu, "gpu:" + bdf + "/gi" + std::to_string(gi.gi));
            u.mig = &gi;
            offer(std::move(u), {"gpu:" + bdf});
        }
    }

    static std::string mig_fix(unsigned minor, const MigInstance& gi) {
        std::string id = std::to_string(gi.gi);
        if (gi.compute.empty())
            return "create a compute instance in it: nvidia-smi mig -lcip -gi " + id +
                   " lists the profiles, nvidia-smi mig -cci <profile> -gi " + id + " creates one";
        std::string caps = "/proc/driver/nvidia/capabilities/gpu" + std::to_string(minor) + "/mig/gi" + id;
        return "create the cap nodes: nvidia-modprobe -f " + caps + "/access, and likewise for each " + caps +
               "/ci*/access";
    }

    std::string mig_problem(unsigned minor, const MigInstance& gi, std::optional<std::int64_t> caps_major) {
        std::string name = "gpu" + std::to_string(minor) + "/gi" + std::to_string(gi.gi);
        if (gi.compute.empty()) return "has no compute instance";
        if (!gi.access_minor) return "/proc/driver/nvidia-caps/mig-minors has no " + name + "/access";
        if (auto p = node_problem(inv_, nvidia_cap_path(*gi.access_minor), caps_major, *gi.access_minor); !p.empty())
            return p;
        for (const auto& [ci, cap] : gi.compute) {
            if (!cap) return "/proc/driver/nvidia-caps/mig-minors has no " + name + "/ci" + std::to_string(ci) + "/access";
            if (auto p = node_problem(inv_, nvidia_cap_path(*cap), caps_major, *cap); !p.empty()) return p;
        }
        return {};
    }

    void drm(const PciFunction& f) {
        std::string bdf = f.bdf();
        bool card = false;
        bool render = false;
        for (const auto& d : f.drm) {
            auto numbers = parse_dev_numbers(d.dev);
            std::string node = drm_path(d.name);
            if (!numbers)
                return unusable(bdf, "/sys/bus/pci/devices/" + bdf + "/drm/" + d.name + "/dev is not major:minor",
                                "check the GPU driver (dmesg)");
            if (auto problem = node_problem(inv_, node, numbers->first, numbers->second); !problem.empty())
                return unusable(bdf, problem, "recreate the DRM nodes (udevadm trigger --subsystem-match=drm)");
            card = card || text::starts_with(d.name, "card");
            render = render || text::starts_with(d.name, "renderD");
        }
        if (!card || !render)
            return unusable(bdf, "is on " + f.driver + " but sysfs lists no " + (card ? "render" : "card") + " node under " +
                                     "/sys/bus/pci/devices/" + bdf + "/drm",
                            "check that " + f.driver + " finished probing the GPU (dmesg)");
        offer(make_unit(f, UnitMode::HostGpu, "gpu:" + bdf), {});
    }

    /// On its host driver or none: virt-launcher has no <hostdev> for it.
    void off_vfio(const PciFunction& f) {
        std::string on = f.driver.empty() ? std::string("is on no driver") : "is on " + f.driver;
        std::string why;
        if (!f.iommu_group) {
            why = on + " and has no IOMMU group";
            if (inv_.iommu_enabled == false) why += ": the host's IOMMU is off (/sys/kernel/iommu_groups is empty)";
        } else {
            why = f.driver.empty() ? std::string("has no driver instead of vfio-pci") : on + " instead of vfio-pci";
        }
        out_.unusable.push_back({f.bdf(), why, vfio_fix(f, inv_), true});
    }

    /// Adds `u` as usable, or as busy when it or a unit it excludes is held.
    void offer(Unit u, const std::vector<std::string>& excluding) {
        std::string held;
        if (unavailable_.count(u.key)) held = u.key;
        for (const auto& other : excluding)
            if (held.empty() && unavailable_.count(other)) held = other;
        if (held.empty() && u.mode == UnitMode::HostGpu && !u.mig) {
            // A whole GPU excludes its MIG instances.
            auto it = unavailable_.lower_bound(u.key + "/");
            if (it != unavailable_.end() && text::starts_with(*it, u.key + "/")) held = *it;
        }
        if (!held.empty()) {
            out_.busy.push_back({u.subject(), "is in use by another container (" + held + ")",
                                 "stop the VM that holds it, or give this VM another device"});
            return;
        }
        out_.usable.push_back(std::move(u));
    }

    void unusable(const std::string& subject, std::string why, std::string fix) {
        out_.unusable.push_back({subject, std::move(why), std::move(fix)});
    }

    const HostInventory& inv_;
    const std::set<std::string>& unavailable_;
    HostGpuNodes host_gpus_;
    Candidates& out_;
};

}  // namespace

std::string Unit::subject() const {
    if (mode == UnitMode::Mdev && mdev) return "mdev " + mdev->uuid;
    std::string out = function ? function->bdf() : key;
    if (mig) out += " MIG gi" + std::to_string(mig->gi);
    return out;
}

std::string bind_to_vfio_fix(const std::string& bdf, const std::string& driver, const std::vector<std::string>& others) {
    std::string out = "bind " + bdf + " to vfio-pci: driverctl set-override " + bdf +
                      " vfio-pci, or without driverctl: modprobe vfio-pci; echo vfio-pci > /sys/bus/pci/devices/" +
                      bdf + "/driver_override; ";
    if (!driver.empty()) out += "echo " + bdf + " > /sys/bus/pci/drivers/" + driver + "/unbind; ";
    out += "echo " + bdf + " > /sys/bus/pci/drivers_probe";
    if (!others.empty()) out += "; then the same for " + text::join(others, ", ") + ", in its IOMMU group";
    return out;
}

std::string vfio_fix(const PciFunction& f, const HostInventory& inv) {
    std::string bdf = f.bdf();
    if (!f.iommu_group)
        return "enable VT-d or AMD-Vi in the firmware, boot with intel_iommu=on (or amd_iommu=on), then bind " + bdf +
               " to vfio-pci (driverctl set-override " + bdf + " vfio-pci)";
    std::vector<std::string> others;
    if (auto group = inv.groups.find(*f.iommu_group); group != inv.groups.end())
        for (const auto& member : group->second.members)
            if (member.bdf != bdf && !group_friendly(member.driver)) others.push_back(member.bdf + " (on " + member.driver + ")");
    return bind_to_vfio_fix(bdf, f.driver, others);
}

Candidates find_candidates(const Resolution& resolution, const HostInventory& inventory,
                           const std::set<std::string>& unavailable, HostGpuNodes host_gpus) {
    Candidates out;
    Classifier classify(inventory, unavailable, host_gpus, out);
    for (const auto& f : inventory.functions)
        if (function_matches(resolution, f)) classify.function(f);
    for (const auto& m : inventory.mdevs)
        if (mdev_matches(resolution, m)) classify.mdev(m);
    return out;
}

}  // namespace kvpod::hook
