// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>

namespace kvpod {

/// Hands out memory from one fixed buffer by moving a pointer; small blocks
/// given back with their size are kept on per-size lists and handed out
/// again, so a run touches about as many pages as it would with malloc. A
/// process that lives for a millisecond (the precreate hook) spent a fifth
/// of its instructions in malloc and free; this does the same work in a few
/// instructions, and the kernel takes the buffer back whole at exit. Not
/// thread-safe: the hook has one thread.
class BumpArena {
public:
    static constexpr std::size_t kAlignment = 16;
    static_assert(kAlignment >= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "operator new must align this much");
    static constexpr std::size_t kLargestReused = 1024;

    constexpr BumpArena(std::byte* begin, std::size_t size) noexcept
        : begin_(begin), top_(begin), end_(begin + size) {}

    /// A block of `size` bytes aligned to kAlignment, or nullptr when the
    /// buffer cannot hold it (the caller falls back to malloc).
    void* allocate(std::size_t size) noexcept {
        if (size > static_cast<std::size_t>(end_ - top_)) return nullptr;  // also keeps the rounding from overflowing
        std::size_t rounded = size == 0 ? kAlignment  // a unique address, as operator new must give
                                        : (size + kAlignment - 1) & ~(kAlignment - 1);
        if (rounded <= kLargestReused) {
            FreeBlock*& list = free_[rounded / kAlignment];
            if (FreeBlock* block = list) {
                list = block->next;
                return block;
            }
        }
        if (static_cast<std::size_t>(end_ - top_) < rounded) return nullptr;
        void* block = top_;
        top_ += rounded;
        return block;
    }

    /// Whether `block` came from this arena (then it must not reach free()).
    [[nodiscard]] bool owns(const void* block) const noexcept {
        auto address = reinterpret_cast<std::uintptr_t>(block);
        return address >= reinterpret_cast<std::uintptr_t>(begin_) &&
               address < reinterpret_cast<std::uintptr_t>(end_);
    }

    /// Gives back a block of `size` bytes (as allocated) for reuse. Large
    /// ones stay where they are until the process ends.
    void release(void* block, std::size_t size) noexcept {
        std::size_t rounded = size == 0 ? kAlignment : (size + kAlignment - 1) & ~(kAlignment - 1);
        if (rounded > kLargestReused) return;
        auto* free_block = static_cast<FreeBlock*>(block);
        free_block->next = free_[rounded / kAlignment];
        free_[rounded / kAlignment] = free_block;
    }

    /// Bytes taken from the buffer so far (reused blocks count once).
    [[nodiscard]] std::size_t used() const noexcept { return static_cast<std::size_t>(top_ - begin_); }

private:
    struct FreeBlock {
        FreeBlock* next;
    };

    std::byte* begin_;
    std::byte* top_;
    std::byte* end_;
    FreeBlock* free_[kLargestReused / kAlignment + 1] = {};
};

}  // namespace kvpod
