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
//
// The arena's pages are asked of the kernel 64 KiB ahead of use, in one
// madvise(MADV_POPULATE_WRITE) each, not one page fault per 4 KiB: a compute
// container's start fills ~160 KiB, ~40 faults. On the development VM, whose
// page faults trap to the hypervisor, touching 40 fresh pages took ~700 us
// and populating them ~45 us (their first touch still costs ~5 us each
// there); the hook's median fell 0.12-0.24 ms (2-4%). Where a fault costs
// under a microsecond, this saves little and costs one system call per step.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "core/bump_arena.hpp"

namespace {

// Zero-filled on demand: only the pages a run reaches are ever mapped.
alignas(4096) std::byte g_arena_buffer[8 << 20];
// constinit: static constructors elsewhere allocate before dynamic
// initialisation would reach this file.
constinit kvpod::BumpArena g_arena(g_arena_buffer, sizeof g_arena_buffer);

constexpr std::size_t kPopulateStep = 64 << 10;
/// Bytes from the arena's start already populated (or given up on).
constinit std::size_t g_populated = 0;

/// Maps the arena's pages up to the next step past `used` bytes. A kernel
/// before 5.14 (EINVAL) or a failure leaves the pages to fault in one by one.
void populate_through(std::size_t used) noexcept {
    auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::size_t end = std::min((used + kPopulateStep - 1) / kPopulateStep * kPopulateStep, sizeof g_arena_buffer);
    auto first = reinterpret_cast<std::uintptr_t>(g_arena_buffer + g_populated);
    auto last = reinterpret_cast<std::uintptr_t>(g_arena_buffer + end);
    first = (first + page - 1) / page * page;
    last = last / page * page;
    if (last <= first || ::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE) != 0)
        end = sizeof g_arena_buffer;
    g_populated = end;
}

void* allocate(std::size_t size) {
    if (void* block = g_arena.allocate(size)) {
        if (g_arena.used() > g_populated) populate_through(g_arena.used());
        return block;
    }
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
