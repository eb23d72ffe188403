// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/hook/pci_address.hpp"

struct pci_access;
struct pci_dev;

namespace kvpod::host {

struct PciIdent {
    std::uint16_t vendor = 0;
    std::uint16_t device = 0;
    std::uint16_t device_class = 0;  ///< base class << 8 | subclass
    int numa_node = -1;              ///< -1 when the kernel does not say
};

/// libpci (pciutils) reading one sysfs tree through its /sys/bus/pci method.
/// libpci's error handler would exit the process; here an error inside a
/// libpci call becomes a failed lookup and a warning, and warnings are kept
/// for the log instead of going to stderr.
class PciLibrary {
public:
    /// `sysfs_bus_pci`: the tree's /sys/bus/pci as a path on this machine.
    /// `ids_file`: its pci.ids, for names (udev's hwdb is never asked, so
    /// names depend only on the tree).
    PciLibrary(const std::string& sysfs_bus_pci, const std::string& ids_file);
    ~PciLibrary();
    PciLibrary(const PciLibrary&) = delete;
    PciLibrary& operator=(const PciLibrary&) = delete;

    /// Every function under devices/ (libpci's bus scan), sorted.
    std::vector<hook::PciAddress> scan();

    /// IDs, class and NUMA node of one function; nullopt (and a warning) when
    /// sysfs cannot say, e.g. a device going away.
    std::optional<PciIdent> ident(const hook::PciAddress& address);

    /// The pci.ids device name ("TU104GL [Tesla T4]"); "" when unknown.
    std::string device_name(std::uint16_t vendor, std::uint16_t device);

    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    pci_dev* device(const hook::PciAddress& address);

    pci_access* access_ = nullptr;
    std::vector<std::pair<hook::PciAddress, pci_dev*>> devices_;
    std::vector<std::string> warnings_;
};

}  // namespace kvpod::host
