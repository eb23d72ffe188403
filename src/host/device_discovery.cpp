// SPDX-License-Identifier: Apache-2.0
#include "host/device_discovery.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "core/hook/host_text.hpp"
#include "core/text.hpp"
#include "host/gpu_discovery.hpp"
#include "host/pci_library.hpp"

namespace kvpod::host {
namespace {

using hook::PciAddress;
using hook::PciFunction;

constexpr const char* kPciDevices = "/sys/bus/pci/devices/";
// Where distributions keep pci.ids: Debian and Ubuntu, then Fedora and RHEL (hwdata).
constexpr const char* kPciIdsPaths[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};

/// The host's pci.ids, as libpci must open it (a path outside the root).
std::string pci_ids_of(const HostRoot& root) {
    std::string found = kPciIdsPaths[0];  // none: libpci then names nothing, and says so
    for (const char* path : kPciIdsPaths)
        if (root.exists(path)) {
            found = path;
            break;
        }
    return root.root() == "/" ? found : root.real_path(found);
}

std::string basename_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<unsigned> group_number(const std::optional<std::string>& link) {
    if (!link) return std::nullopt;
    auto n = text::parse_u64(basename_of(*link));
    if (!n) return std::nullopt;
    return static_cast<unsigned>(*n);
}

/// The functions bound to the drivers the planner can use, with their
/// driver: vfio-pci, and the GPU host drivers for --mount-devices.
std::map<PciAddress, std::string> bound_candidates(const HostRoot& root, bool host_gpus) {
    std::map<PciAddress, std::string> found;
    auto add = [&](const char* driver) {
        for (const auto& name : root.list_dir(std::string("/sys/bus/pci/drivers/") + driver))
            if (auto address = PciAddress::parse(name)) found.emplace(*address, driver);
    };
    add(hook::kVfioDriver);
    if (host_gpus)
        for (const char* driver : hook::kHostGpuDrivers) add(driver);
    return found;
}

/// The upstream port of the PCIe switch above `bdf`, from the PCI functions
/// in its resolved sysfs path (root port, [switch up, switch down,] device).
std::optional<PciAddress> pcie_switch(const HostRoot& root, const std::string& bdf) {
    auto link = root.read_link(kPciDevices + bdf);
    if (!link) return std::nullopt;
    std::vector<PciAddress> path;
    for (const auto& part : text::split(*link, '/'))
        if (auto address = PciAddress::parse(part)) path.push_back(*address);
    if (path.size() < 3) return std::nullopt;  // the root port and the device itself
    return path[1];
}

void read_links(const HostRoot& root, PciFunction& f) {
    std::string dir = kPciDevices + f.bdf();
    f.pcie_switch = pcie_switch(root, f.bdf());
    if (auto pf = root.read_link(dir + "/physfn")) f.physfn = PciAddress::parse(basename_of(*pf));
    else if (auto total = root.read_text(dir + "/sriov_totalvfs", 64))  // a VF is never a PF
        f.sriov_totalvfs = static_cast<unsigned>(hook::parse_sysfs_number(*total).value_or(0));
    if (f.driver == "vfio-pci")
        for (const auto& name : root.list_dir(dir + "/vfio-dev"))
            if (text::starts_with(name, "vfio")) f.vfio_cdevs.push_back(name);
}

/// The members of `ids`: a function on vfio-pci needs its whole group
/// checked, and one to bind to vfio-pci brings the others of its group.
void read_groups(const HostRoot& root, const std::set<unsigned>& ids, hook::HostInventory& inventory) {
    for (unsigned id : ids) {
        hook::IommuGroup group;
        group.id = id;
        std::string dir = "/sys/kernel/iommu_groups/" + std::to_string(group.id) + "/devices/";
        for (const auto& member : root.list_dir(dir)) {
            auto driver = root.read_link(dir + member + "/driver");
            group.members.push_back({member, driver ? basename_of(*driver) : std::string()});
        }
        inventory.groups.emplace(group.id, std::move(group));
    }
}

/// IDs, class and NUMA node from the same sysfs files libpci's sysfs method
/// reads, through the rooted seam. A function whose files cannot be read is
/// skipped with a warning, as libpci's ident() does.
std::optional<PciIdent> sysfs_ident(const HostRoot& root, const PciAddress& address,
                                    std::vector<std::string>& warnings) {
    std::string dir = kPciDevices + address.str() + "/";
    auto number = [&](const char* file, bool optional) -> std::optional<std::int64_t> {
        std::string problem;
        try {
            auto text = root.read_text(dir + file, 64);
            if (!text) {
                if (optional) return -1;
                problem = "No such file or directory";
            } else if (auto n = hook::parse_sysfs_number(*text)) {
                return n;
            } else {
                problem = "not a number: " + text::quoted(text::trim(*text));
            }
        } catch (const Error& e) {
            problem = e.what_failed();
        }
        warnings.push_back("sysfs: " + dir + file + ": " + problem + " (" + address.str() + " skipped)");
        return std::nullopt;
    };
    auto vendor = number("vendor", false);
    if (!vendor) return std::nullopt;
    auto device = number("device", false);
    if (!device) return std::nullopt;
    auto device_class = number("class", false);
    if (!device_class) return std::nullopt;
    auto numa = number("numa_node", true);
    if (!numa) return std::nullopt;
    return PciIdent{static_cast<std::uint16_t>(*vendor), static_cast<std::uint16_t>(*device),
                    static_cast<std::uint16_t>(*device_class >> 8), static_cast<int>(*numa)};
}

void read_pci(const HostRoot& root, const hook::InventoryQuery& query, hook::HostInventory& inventory) {
    // libpci (dlopen'ed with libudev and libz: a third of a precreate run)
    // is needed only to scan the whole bus or to name devices; the bound
    // candidates' IDs are four small sysfs files.
    std::optional<PciLibrary> pci;
    if (query.complete || query.names) {
        pci.emplace(root.real_path("/sys/bus/pci"), pci_ids_of(root));
    }
    std::map<PciAddress, std::string> drivers;  // known from the enumeration when not complete
    if (query.complete) {
        // A tree without PCI (a container, a test root) has nothing to scan.
        if (root.exists("/sys/bus/pci/devices"))
            for (const auto& address : pci->scan()) drivers.emplace(address, std::string());
    } else {
        drivers = bound_candidates(root, query.host_gpus);
    }
    std::set<unsigned> groups;  // of the functions the request can use
    for (const auto& [address, known_driver] : drivers) {
        auto ident = pci ? pci->ident(address) : sysfs_ident(root, address, inventory.warnings);
        if (!ident) continue;
        bool wanted = query.matches(ident->vendor, ident->device, ident->device_class);
        if (!wanted && !query.complete) continue;
        PciFunction f;
        f.address = address;
        f.vendor = ident->vendor;
        f.device = ident->device;
        f.device_class = ident->device_class;
        f.numa_node = ident->numa_node;
        // Two links, read through the rooted seam (libpci would resolve each
        // with realpath(3), a dozen syscalls, outside the root's guard).
        std::string dir = kPciDevices + f.bdf();
        f.driver = known_driver;
        if (query.complete)
            if (auto driver = root.read_link(dir + "/driver")) f.driver = basename_of(*driver);
        f.iommu_group = group_number(root.read_link(dir + "/iommu_group"));
        if (wanted) {
            read_links(root, f);
            // DRM, NVIDIA and MIG facts serve only the host-driver nodes of --mount-devices.
            if (query.host_gpus) read_gpu_facts(root, f);
            if (query.names) f.name = pci->device_name(f.vendor, f.device);
            if (f.iommu_group) groups.insert(*f.iommu_group);
        }
        inventory.functions.push_back(std::move(f));
    }
    if (pci)
        for (const auto& w : pci->warnings()) inventory.warnings.push_back(w);
    read_mig_minors(root, inventory);
    read_groups(root, groups, inventory);
    if (query.complete) inventory.iommu_enabled = !root.list_dir("/sys/kernel/iommu_groups").empty();
}

void read_mediated(const HostRoot& root, const hook::InventoryQuery& query, hook::HostInventory& inventory) {
    const std::string base = "/sys/bus/mdev/devices/";
    for (const auto& uuid : root.list_dir(base)) {
        hook::MediatedDevice m;
        m.uuid = uuid;
        // The mdev lives under its parent: .../<parent bdf>/<uuid>.
        if (auto link = root.read_link(base + uuid)) {
            auto parts = text::split(*link, '/');
            if (parts.size() >= 2) m.parent = parts[parts.size() - 2];
        }
        if (auto type = root.read_link(base + uuid + "/mdev_type")) m.type_id = basename_of(*type);
        auto name = root.read_text(base + uuid + "/mdev_type/name", 4096);
        m.type_name = name ? text::trim(*name) : m.type_id;
        m.iommu_group = group_number(root.read_link(base + uuid + "/iommu_group"));
        if (hook::PciAddress::parse(m.parent))
            if (auto numa = root.read_text(kPciDevices + m.parent + "/numa_node", 64))
                m.numa_node = static_cast<int>(hook::parse_sysfs_number(*numa).value_or(-1));
        inventory.mdevs.push_back(std::move(m));
    }
    if (!query.complete) return;
    const std::string bus = "/sys/class/mdev_bus/";
    for (const auto& parent : root.list_dir(bus)) {
        std::string types = bus + parent + "/mdev_supported_types/";
        for (const auto& id : root.list_dir(types)) {
            hook::MdevType t;
            t.parent = parent;
            t.id = id;
            auto name = root.read_text(types + id + "/name", 4096);
            t.name = name ? text::trim(*name) : id;
            if (auto available = root.read_text(types + id + "/available_instances", 64))
                if (auto n = hook::parse_sysfs_number(*available); n && *n >= 0) t.available = static_cast<unsigned>(*n);
            inventory.mdev_types.push_back(std::move(t));
        }
    }
}

void read_nodes(const HostRoot& root, hook::HostInventory& inventory) {
    for (const auto& path : hook::node_paths_to_inspect(inventory)) {
        try {
            inventory.nodes[path] = root.device_node(path);
        } catch (const Error& e) {
            // A wrong node concerns only the device that needs it.
            inventory.nodes[path] = std::nullopt;
            inventory.node_problems[path] = e.what_failed();
        }
    }
}

}  // namespace

hook::HostInventory discover_devices(const HostRoot& root, const hook::InventoryQuery& query) {
    hook::HostInventory inventory;
    inventory.complete = query.complete;
    if (!query.pci && !query.mediated) return inventory;
    if (auto devices = root.read_text("/proc/devices")) inventory.char_majors = hook::parse_proc_devices(*devices);
    if (query.pci) read_pci(root, query, inventory);
    if (query.mediated) read_mediated(root, query, inventory);
    std::sort(inventory.functions.begin(), inventory.functions.end(),
              [](const PciFunction& a, const PciFunction& b) { return a.address < b.address; });
    std::sort(inventory.mdevs.begin(), inventory.mdevs.end(),
              [](const auto& a, const auto& b) { return a.uuid < b.uuid; });
    read_nodes(root, inventory);
    return inventory;
}

}  // namespace kvpod::host
