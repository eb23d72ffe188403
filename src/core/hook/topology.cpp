// SPDX-License-Identifier: Apache-2.0
#include "core/hook/topology.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

/// Units under no PCIe switch each form their own "switch" group.
std::string switch_group(const Unit& u) {
    if (u.pcie_switch) return u.pcie_switch->str();
    return "~" + u.subject();
}

std::string order_key(const Unit& u) { return u.subject(); }

bool address_less(const Unit& a, const Unit& b) {
    if (a.function && b.function && a.function->address != b.function->address)
        return a.function->address < b.function->address;
    return order_key(a) < order_key(b);
}

/// Ranks groups of a partition: the hinted group if it holds `need`, then
/// groups that hold `need` by key, then the fullest groups.
template <typename Key>
std::map<Key, std::tuple<int, long, Key>> rank_groups(const std::map<Key, std::size_t>& sizes, std::size_t need,
                                                      const std::optional<Key>& hint) {
    std::map<Key, std::tuple<int, long, Key>> ranks;
    for (const auto& [key, size] : sizes) {
        bool fits = size >= need;
        if (fits && hint && key == *hint) ranks[key] = {0, 0, key};
        else if (fits) ranks[key] = {1, 0, key};
        else ranks[key] = {2, -static_cast<long>(size), key};
    }
    return ranks;
}

/// NUMA nodes the kernel does not know (-1) sort after real ones.
int numa_order(int node) { return node < 0 ? 1 << 30 : node; }

}  // namespace

TopologyChoice choose_units(const std::vector<Unit>& usable, std::size_t count, const std::set<std::string>& preferred,
                            std::optional<int> numa_hint) {
    TopologyChoice choice;
    std::vector<std::size_t> pool;
    for (std::size_t i = 0; i < usable.size(); ++i) {
        if (preferred.count(usable[i].key) && choice.picked.size() < count) choice.picked.push_back(i);
        else pool.push_back(i);
    }
    std::size_t need = count - std::min(count, choice.picked.size());
    if (!choice.picked.empty()) numa_hint = usable[choice.picked.front()].numa_node;
    if (need == 0 || pool.empty()) {
        if (!choice.picked.empty()) choice.note = "kept the devices this container held before";
        return choice;
    }

    std::map<int, std::size_t> numa_sizes;
    for (auto i : pool) ++numa_sizes[numa_order(usable[i].numa_node)];
    std::optional<int> hint = numa_hint ? std::optional(numa_order(*numa_hint)) : std::nullopt;
    auto numa_rank = rank_groups(numa_sizes, need, hint);

    std::map<std::pair<int, std::string>, std::size_t> switch_sizes;
    for (auto i : pool) ++switch_sizes[{numa_order(usable[i].numa_node), switch_group(usable[i])}];
    std::map<std::pair<int, std::string>, std::tuple<int, long, std::string>> switch_rank;
    for (const auto& [key, size] : switch_sizes) {
        bool fits = size >= need;
        switch_rank[key] = fits ? std::tuple(0, 0L, key.second) : std::tuple(1, -static_cast<long>(size), key.second);
    }

    std::sort(pool.begin(), pool.end(), [&](std::size_t a, std::size_t b) {
        const Unit& ua = usable[a];
        const Unit& ub = usable[b];
        int na = numa_order(ua.numa_node);
        int nb = numa_order(ub.numa_node);
        auto ka = std::tuple(numa_rank[na], switch_rank[{na, switch_group(ua)}]);
        auto kb = std::tuple(numa_rank[nb], switch_rank[{nb, switch_group(ub)}]);
        if (ka != kb) return ka < kb;
        return address_less(ua, ub);
    });
    for (std::size_t k = 0; k < need && k < pool.size(); ++k) choice.picked.push_back(pool[k]);

    if (usable.size() > choice.picked.size()) {
        std::vector<std::string> chosen;
        std::set<int> nodes;
        std::set<std::string> switches;
        for (auto i : choice.picked) {
            chosen.push_back(usable[i].subject());
            nodes.insert(usable[i].numa_node);
            if (usable[i].pcie_switch) switches.insert(usable[i].pcie_switch->str());
        }
        std::string where;
        if (nodes.size() == 1 && *nodes.begin() >= 0) where = "NUMA node " + std::to_string(*nodes.begin());
        else if (nodes.size() > 1) where = "spread over " + std::to_string(nodes.size()) + " NUMA nodes";
        if (switches.size() == 1 && choice.picked.size() > 1)
            where += (where.empty() ? "" : ", ") + std::string("PCIe switch ") + *switches.begin();
        choice.note = "chose " + text::join(chosen, ", ") + " of " + std::to_string(usable.size()) + " usable" +
                      (where.empty() ? std::string() : " (" + where + ")");
    }
    return choice;
}

}  // namespace kvpod::hook
