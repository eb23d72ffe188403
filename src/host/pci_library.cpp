// SPDX-License-Identifier: Apache-2.0
#include "host/pci_library.hpp"

#include "host/pci_loader.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::host {
namespace {

// libpci reports through process-wide callbacks without a user pointer, so
// the state they need is thread-local. Nothing here is re-entered.
thread_local std::jmp_buf* t_on_error = nullptr;
thread_local char t_error[512];
thread_local std::vector<std::string>* t_warnings = nullptr;

// GNU noreturn, not [[noreturn]]: clang makes it part of the function type,
// and libpci declares its error callback pointer with it.
__attribute__((noreturn, format(printf, 1, 2))) void pci_error(char* format, ...) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(t_error, sizeof t_error, format, args);
    va_end(args);
    if (t_on_error) std::longjmp(*t_on_error, 1);
    std::abort();  // an error outside a guarded call: a bug here, never an exit(1)
}

__attribute__((format(printf, 1, 2))) void pci_warning(char* format, ...) {
    char buf[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    if (t_warnings) t_warnings->push_back(std::string("libpci: ") + buf);
}

__attribute__((format(printf, 1, 2))) void pci_quiet(char*, ...) {}

/// Runs `call`, which must only call into libpci and hold nothing with a
/// destructor, so that libpci's error handler can return here by longjmp.
/// False when libpci reported an error (its text is in t_error).
template <typename Call>
bool guarded(Call&& call) {
    std::jmp_buf jump;
    std::jmp_buf* outer = t_on_error;
    t_on_error = &jump;
    if (setjmp(jump) != 0) {
        t_on_error = outer;
        return false;
    }
    call();
    t_on_error = outer;
    return true;
}

/// Points the callbacks' state at this library's warnings for a scope.
class WarningScope {
public:
    explicit WarningScope(std::vector<std::string>& warnings) : outer_(t_warnings) { t_warnings = &warnings; }
    ~WarningScope() { t_warnings = outer_; }
    WarningScope(const WarningScope&) = delete;
    WarningScope& operator=(const WarningScope&) = delete;

private:
    std::vector<std::string>* outer_;
};

}  // namespace

PciLibrary::PciLibrary(const std::string& sysfs_bus_pci, const std::string& ids_file) {
    WarningScope scope(warnings_);
    access_ = pci_api().alloc();
    if (!access_) throw Error("libpci: out of memory");
    access_->error = pci_error;
    access_->warning = pci_warning;
    access_->debug = pci_quiet;
    access_->method = PCI_ACCESS_SYS_BUS_PCI;
    std::vector<char> path(sysfs_bus_pci.begin(), sysfs_bus_pci.end());
    path.push_back('\0');
    // libpci copies both strings; pci_set_name_list_path keeps the pointer
    // unless told to free it, so it gets a copy it owns.
    char* ids = static_cast<char*>(std::malloc(ids_file.size() + 1));
    if (ids) std::copy(ids_file.c_str(), ids_file.c_str() + ids_file.size() + 1, ids);
    pci_access* a = access_;
    char* sysfs = path.data();
    bool ok = guarded([&] {
        pci_api().set_param(a, const_cast<char*>("sysfs.path"), sysfs);
        if (ids) pci_api().set_name_list_path(a, ids, 1);
        pci_api().init(a);
    });
    if (!ok) {
        std::string message = t_error;
        pci_api().cleanup(access_);
        access_ = nullptr;
        throw Error("libpci cannot read the PCI bus: " + text::trim(message), sysfs_bus_pci);
    }
}

PciLibrary::~PciLibrary() {
    for (auto& [address, dev] : devices_) pci_api().free_dev(dev);
    if (access_) pci_api().cleanup(access_);
}

std::vector<hook::PciAddress> PciLibrary::scan() {
    WarningScope scope(warnings_);
    pci_access* a = access_;
    if (!guarded([&] { pci_api().scan_bus(a); }))
        throw Error("libpci cannot list the PCI functions: " + text::trim(t_error), "/sys/bus/pci/devices");
    std::vector<hook::PciAddress> out;
    for (pci_dev* d = access_->devices; d; d = d->next)
        out.push_back({static_cast<std::uint32_t>(d->domain), d->bus, d->dev, d->func});
    std::sort(out.begin(), out.end());
    return out;
}

pci_dev* PciLibrary::device(const hook::PciAddress& address) {
    auto it = std::find_if(devices_.rbegin(), devices_.rend(), [&](const auto& e) { return e.first == address; });
    if (it != devices_.rend()) return it->second;
    pci_dev* dev = pci_api().get_dev(access_, static_cast<int>(address.domain), address.bus, address.device, address.function);
    devices_.push_back({address, dev});
    return dev;
}

std::optional<PciIdent> PciLibrary::ident(const hook::PciAddress& address) {
    WarningScope scope(warnings_);
    pci_dev* dev = device(address);
    if (!guarded([&] { pci_api().fill_info(dev, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_NUMA_NODE); })) {
        warnings_.push_back("libpci: " + text::trim(t_error) + " (" + address.str() + " skipped)");
        return std::nullopt;
    }
    int numa = (dev->known_fields & PCI_FILL_NUMA_NODE) ? dev->numa_node : -1;
    return PciIdent{dev->vendor_id, dev->device_id, dev->device_class, numa};
}

std::string PciLibrary::device_name(std::uint16_t vendor, std::uint16_t device_id) {
    WarningScope scope(warnings_);
    char buf[256];
    char* name = nullptr;
    pci_access* a = access_;
    bool ok = guarded([&] {
        name = pci_api().lookup_name(a, buf, sizeof buf, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
                               vendor, device_id);
    });
    if (!ok) {
        warnings_.push_back("libpci: " + text::trim(t_error));
        return {};
    }
    return name ? std::string(name) : std::string();
}

}  // namespace kvpod::host
