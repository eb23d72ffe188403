#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a fake host root with N PCI functions for benchmarking the hook.

  pci_host.py N DEST [--all-vfio]

The host has N functions in all: root ports, NVMe drives on nvme, NICs on
ixgbe and i40e, and eight NVIDIA Tesla T4 on vfio-pci (one IOMMU group each,
over two NUMA nodes). With --all-vfio every non-bridge function is a T4 VF
on vfio-pci instead: the worst case, where every function is a candidate.
Device nodes go to DEST/dev.list (make them with tests/fixtures/roots/instantiate.sh
semantics: the bench script mknods them). Uses the fixture generator's Root.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "roots"))
import build_roots  # noqa: E402


def main():
    n = int(sys.argv[1])
    dest = os.path.abspath(sys.argv[2])
    all_vfio = "--all-vfio" in sys.argv
    r = build_roots.Root(os.path.basename(dest), "# bench host: %d PCI functions\n" % n, os.path.dirname(dest))
    r.majors.update({243: "vfio"})
    r.node("c", 10, 196, "/dev/vfio/vfio")
    made = 0
    gpus = 0
    group = 1
    bus = 1
    while made < n:
        port = "0000:%02x:00.0" % (bus & 0xff) if bus < 0x100 else "%04x:%02x:00.0" % (bus >> 8, bus & 0xff)
        numa = 0 if (bus % 2) else 1
        build_roots.root_port(r, port, group, numa=numa)
        group += 1
        made += 1
        child_bus = bus + 1
        for fn in range(8):
            if made >= n:
                break
            dom = child_bus >> 8
            bdf = "%04x:%02x:00.%d" % (dom, child_bus & 0xff, fn)
            if all_vfio or (gpus < 8 and fn == 0 and child_bus % 16 == 2):
                r.function(bdf, "10de", "1eb8", 0x030200, (port,), driver="vfio-pci", group=group, numa=numa)
                r.vfio_group_node(group, group)
                gpus += 1
            elif fn % 2:
                r.function(bdf, "144d", "a808", 0x010802, (port,), driver="nvme", group=group, numa=numa)
            else:
                r.function(bdf, "8086", "1572", 0x020000, (port,), driver="i40e", group=group, numa=numa)
            group += 1
            made += 1
        bus += 2
    r.finish()
    print("%s: %d functions, %d T4 on vfio-pci" % (dest, made, gpus if not all_vfio else made - (bus // 2)))


if __name__ == "__main__":
    main()
