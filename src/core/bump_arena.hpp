// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>

namespace kvpod {

/// Hands out memory from one fixed buffer by moving a pointer, and takes
/// back only the most recent block. A process that lives for a millisecond
/// (the precreate hook) spends a fifth of its instructions in malloc and
/// free for memory the kernel reclaims whole at exit; this does the same
/// work in a few instructions. Not thread-safe: the hook has one thread.
class BumpArena {
public:
    static constexpr std::size_t kAlignment = 16;  // __STDCPP_DEFAULT_NEW_ALIGNMENT__ on x86-64 and arm64

    constexpr BumpArena(std::byte* begin, std::size_t size) noexcept
        : begin_(begin), top_(begin), end_(begin + size) {}

    /// A block of `size` bytes aligned to kAlignment, or nullptr when the
    /// buffer cannot hold it (the caller falls back to malloc).
    void* allocate(std::size_t size) noexcept {
        if (size > static_cast<std::size_t>(end_ - top_)) return nullptr;  // also keeps the rounding from overflowing
        std::size_t rounded = size == 0 ? kAlignment  // a unique address, as operator new must give
                                        : (size + kAlignment - 1) & ~(kAlignment - 1);
        if (static_cast<std::size_t>(end_ - top_) < rounded) return nullptr;
        last_ = top_;
        top_ += rounded;
        return last_;
    }

    /// Whether `block` came from this arena (then it must not reach free()).
    [[nodiscard]] bool owns(const void* block) const noexcept {
        auto address = reinterpret_cast<std::uintptr_t>(block);
        return address >= reinterpret_cast<std::uintptr_t>(begin_) &&
               address < reinterpret_cast<std::uintptr_t>(end_);
    }

    /// Gives a block back. Only the latest one is reused (a temporary that
    /// dies before the next allocation); others stay until the process ends.
    void release(void* block) noexcept {
        if (block == last_ && last_ != nullptr) {
            top_ = last_;
            last_ = nullptr;
        }
    }

    [[nodiscard]] std::size_t used() const noexcept { return static_cast<std::size_t>(top_ - begin_); }

private:
    std::byte* begin_;
    std::byte* top_;
    std::byte* end_;
    std::byte* last_ = nullptr;
};

}  // namespace kvpod
