// SPDX-License-Identifier: Apache-2.0
#include "host/pci_loader.hpp"

#include <dlfcn.h>

#include <string>

#include "core/error.hpp"

namespace kvpod::host {
namespace {

constexpr const char* kLibrary = "libpci.so.3";

template <typename Fn>
void resolve(void* handle, Fn& slot, const char* name) {
    void* symbol = ::dlsym(handle, name);
    if (!symbol)
        throw Error(std::string("libpci has no ") + name, kLibrary,
                    "install pciutils' library 3.8 or newer (Debian: libpci3)");
    slot = reinterpret_cast<Fn>(symbol);
}

PciApi load() {
    // RTLD_LOCAL keeps libpci's symbols out of the global scope; RTLD_NOW
    // reports a broken installation here rather than in the middle of a scan.
    void* handle = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        throw Error(std::string("cannot load libpci: ") + ::dlerror(), kLibrary,
                    "install pciutils' library (Debian: libpci3); PCI passthrough needs it");
    PciApi api{};
    resolve(handle, api.alloc, "pci_alloc");
    resolve(handle, api.init, "pci_init");
    resolve(handle, api.cleanup, "pci_cleanup");
    resolve(handle, api.scan_bus, "pci_scan_bus");
    resolve(handle, api.get_dev, "pci_get_dev");
    resolve(handle, api.free_dev, "pci_free_dev");
    resolve(handle, api.fill_info, "pci_fill_info");
    resolve(handle, api.lookup_name, "pci_lookup_name");
    resolve(handle, api.set_param, "pci_set_param");
    resolve(handle, api.set_name_list_path, "pci_set_name_list_path");
    return api;  // the handle stays open for the life of the process
}

}  // namespace

const PciApi& pci_api() {
    static const PciApi api = load();
    return api;
}

}  // namespace kvpod::host
