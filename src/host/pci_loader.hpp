// SPDX-License-Identifier: Apache-2.0
#pragma once

extern "C" {
#include <pci/pci.h>
}

namespace kvpod::host {

/// The libpci functions the hook calls, loaded from libpci.so.3 the first
/// time a VM asks for PCI devices. The hook runs at every container start;
/// most VMs pass nothing through, and linking libpci (with the libudev and
/// libz it pulls in) would make every one of those starts pay for mapping
/// and relocating three libraries it never uses.
struct PciApi {
    decltype(&::pci_alloc) alloc;
    decltype(&::pci_init) init;
    decltype(&::pci_cleanup) cleanup;
    decltype(&::pci_scan_bus) scan_bus;
    decltype(&::pci_get_dev) get_dev;
    decltype(&::pci_free_dev) free_dev;
    decltype(&::pci_fill_info) fill_info;
    decltype(&::pci_lookup_name) lookup_name;
    decltype(&::pci_set_param) set_param;
    decltype(&::pci_set_name_list_path) set_name_list_path;
};

/// The loaded API; an Error saying which package to install when libpci is
/// missing or too old (pci_fill_info needs PCI_FILL_IOMMU_GROUP, 3.7+).
const PciApi& pci_api();

}  // namespace kvpod::host
