// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the hook's fast path: for any input, json_skim either
// refuses it or the partial parse and splice mean exactly what the whole
// document's parse, patch and dump mean (same error, or outputs that parse
// equal); and json::dump writes what nlohmann's dump() writes. Aborts
// otherwise. Only the pure core is linked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../fastpath_support.hpp"
#include "core/json_dump.hpp"
#include "core/json_skim.hpp"

namespace {

/// json::dump writes what nlohmann's dump() writes, or fails as it does.
void check_dump(std::string_view input) {
    auto value = nlohmann::json::parse(input, nullptr, false);
    if (value.is_discarded()) return;
    std::string ours, theirs;
    bool ours_failed = false, theirs_failed = false;
    try { ours = kvpod::json::dump(value); } catch (const nlohmann::json::exception&) { ours_failed = true; }
    try { theirs = value.dump(); } catch (const nlohmann::json::exception&) { theirs_failed = true; }
    if (ours_failed != theirs_failed || ours != theirs) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kvpod;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // Small limits, so that the fuzzer reaches their edges too.
    document::Limits limits{8192, 12, 1000, false};
    static const oci::Patch patch = testing::full_patch();

    check_dump(input);
    auto slow = testing::slow_path(input, patch, limits);
    auto fast = testing::fast_path(input, patch, limits);
    if (!fast) return 0;
    // Eligible text is text the slow path parses: its errors can only be
    // about the content (wrong types), and then the fast path gives the same.
    if (!testing::same_meaning(*fast, slow)) __builtin_trap();
    if (fast->error.empty()) {
        // The hook runs at every start: its output fed back changes nothing.
        auto again = testing::fast_path(fast->output, patch, limits);
        if (again && again->output != fast->output) __builtin_trap();
    }
    return 0;
}
