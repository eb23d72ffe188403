// SPDX-License-Identifier: Apache-2.0
// The programs' operator new and delete: C++ allocations come from an arena
// (core/bump_arena.hpp) that the kernel takes back whole at exit, not block
// by block through malloc and free. A compute container's start made ~2,700
// allocations (480 KB) and spent ~0.5M of its 2.7M instructions in malloc
// and free (bench/run.sh, callgrind). Small blocks given back are reused, so
// a run touches about as many pages as with malloc. Past the arena (a config
// near the size limit), blocks come from malloc as usual. Linked into the
// programs only, never into tests, and left out of sanitizer and fuzzing
// builds so that ASan still sees every block.
#include <cstdlib>
#include <new>

#include "core/bump_arena.hpp"

namespace {

// Zero-filled on demand: only the pages a run touches are ever faulted in.
alignas(kvpod::BumpArena::kAlignment) std::byte g_arena_buffer[8 << 20];
// constinit: static constructors elsewhere allocate before dynamic
// initialisation would reach this file.
constinit kvpod::BumpArena g_arena(g_arena_buffer, sizeof g_arena_buffer);

void* allocate(std::size_t size) {
    if (void* block = g_arena.allocate(size)) return block;
    if (void* block = std::malloc(size == 0 ? 1 : size)) return block;
    throw std::bad_alloc();
}

/// Without its size (unsized delete) an arena block cannot be filed for
/// reuse and stays taken until exit; libstdc++'s containers give sizes.
void release(void* block) noexcept {
    if (block != nullptr && !g_arena.owns(block)) std::free(block);
}

void release(void* block, std::size_t size) noexcept {
    if (block == nullptr) return;
    if (g_arena.owns(block)) {
        g_arena.release(block, size);
        return;
    }
    std::free(block);
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* block) noexcept { release(block); }
void operator delete[](void* block) noexcept { release(block); }
void operator delete(void* block, std::size_t size) noexcept { release(block, size); }
void operator delete[](void* block, std::size_t size) noexcept { release(block, size); }
