// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "core/bump_arena.hpp"

using kvpod::BumpArena;

namespace {

bool aligned(const void* block) { return reinterpret_cast<std::uintptr_t>(block) % BumpArena::kAlignment == 0; }

}  // namespace

TEST_CASE("the arena hands out aligned, distinct blocks until it is full") {
    alignas(BumpArena::kAlignment) std::byte buffer[64];
    BumpArena arena(buffer, sizeof buffer);
    void* a = arena.allocate(1);
    void* b = arena.allocate(17);
    void* c = arena.allocate(0);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    REQUIRE(c != nullptr);
    CHECK(aligned(a));
    CHECK(aligned(b));
    CHECK(aligned(c));
    CHECK(static_cast<std::byte*>(b) - static_cast<std::byte*>(a) == 16);
    CHECK(static_cast<std::byte*>(c) - static_cast<std::byte*>(b) == 32);  // 17 rounds up to 32
    CHECK(arena.used() == 64);
    CHECK(arena.allocate(1) == nullptr);  // full: the caller goes to malloc
    CHECK(arena.owns(a));
    CHECK(arena.owns(c));
    CHECK_FALSE(arena.owns(buffer + sizeof buffer));
    int elsewhere = 0;
    CHECK_FALSE(arena.owns(&elsewhere));
}

TEST_CASE("a request larger than what is left, or than memory, is refused without overflow") {
    alignas(BumpArena::kAlignment) std::byte buffer[64];
    BumpArena arena(buffer, sizeof buffer);
    CHECK(arena.allocate(65) == nullptr);
    CHECK(arena.allocate(std::numeric_limits<std::size_t>::max()) == nullptr);
    CHECK(arena.allocate(std::numeric_limits<std::size_t>::max() - 3) == nullptr);
    CHECK(arena.used() == 0);
    CHECK(arena.allocate(64) != nullptr);
}

TEST_CASE("a small block given back is handed out again for the same rounded size; a large one is not") {
    alignas(BumpArena::kAlignment) std::byte buffer[4096];
    BumpArena arena(buffer, sizeof buffer);
    void* first = arena.allocate(24);
    void* second = arena.allocate(24);
    arena.release(first, 24);
    arena.release(second, 24);
    CHECK(arena.allocate(32) == second);  // 24 and 32 round to the same class; last in, first out
    CHECK(arena.allocate(17) == first);
    CHECK(arena.used() == 64);
    void* other = arena.allocate(48);  // another class: fresh memory
    CHECK(other != first);
    CHECK(other != second);
    CHECK(arena.used() == 112);

    void* large = arena.allocate(BumpArena::kLargestReused + 1);
    REQUIRE(large != nullptr);
    arena.release(large, BumpArena::kLargestReused + 1);
    CHECK(arena.allocate(BumpArena::kLargestReused + 1) != large);
}
