// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/hook/units.hpp"

/// Which of several usable units a VM gets: a coherent set (one NUMA node,
/// one PCIe switch where the host has them), deterministic (lowest address).
namespace kvpod::hook {

struct TopologyChoice {
    std::vector<std::size_t> picked;  ///< indexes into the usable units, in the order to hand out
    std::string note;                 ///< why these, for the plan ("" when there was no choice)
};

/// Picks up to `count` of `usable`. Units whose key is in `preferred` (held
/// by this container before) come first; then, in order: the NUMA node of
/// those (or `numa_hint`, the node an earlier resource of the VM landed on)
/// when it has enough, else the lowest node that has enough, else the
/// fullest nodes; within a node, a PCIe switch that has enough, else the
/// fullest switches; then the lowest address.
TopologyChoice choose_units(const std::vector<Unit>& usable, std::size_t count, const std::set<std::string>& preferred,
                            std::optional<int> numa_hint);

}  // namespace kvpod::hook
