#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the benchmark's fake host: N PCI functions, SR-IOV heavy.

  sriov_host.py N DEST

Two NVIDIA Tesla T4 on vfio-pci, each alone in its IOMMU group (the hook
gives no GPU on its host driver: virt-launcher could not attach it), NIC PFs
(Mellanox ConnectX-5, 15b3:1017, mlx5_core) carrying up to 63 VFs each
(15b3:1018) on the host driver, except one VF on vfio-pci in its own IOMMU
group: the VM's one VFIO NIC. The rest are root ports. Plus kvm, tun and
vhost-net. Device nodes go to DEST/dev.list (bench/run.sh makes them).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "roots"))
import build_roots  # noqa: E402


def main():
    n = int(sys.argv[1])
    dest = os.path.abspath(sys.argv[2])
    r = build_roots.Root(os.path.basename(dest), "# bench host: %d PCI functions, SR-IOV heavy\n" % n,
                         os.path.dirname(dest))
    r.majors.update({243: "vfio"})
    r.node("c", 10, 196, "/dev/vfio/vfio")
    made = 0
    group = 1
    bus = 1
    # The two GPUs first, one per NUMA node's first root port.
    for minor in range(2):
        port = "0000:%02x:00.0" % bus
        gpu = "0000:%02x:00.0" % (bus + 1)
        build_roots.root_port(r, port, group, numa=minor)
        r.function(gpu, "10de", "1eb8", 0x030200, (port,), driver="vfio-pci", group=group + 1, numa=minor)
        r.vfio_group_node(group + 1, minor + 1)  # the VF's group node has minor 0
        group += 2
        bus += 2
        made += 2
    vfio_vf_done = False
    while made < n:
        port = "%04x:%02x:00.0" % (bus >> 8, bus & 0xff)
        pf_bus = bus + 1
        build_roots.root_port(r, port, group, numa=bus % 2)
        group += 1
        made += 1
        if made >= n:
            break
        pf = "%04x:%02x:00.0" % (pf_bus >> 8, pf_bus & 0xff)
        r.function(pf, "15b3", "1017", 0x020000, (port,), driver="mlx5_core", group=group, numa=bus % 2)
        group += 1
        made += 1
        vfs = []
        for i in range(min(63, n - made)):
            devfn = 2 + i
            vf = "%04x:%02x:%02x.%d" % (pf_bus >> 8, pf_bus & 0xff, devfn >> 3, devfn & 7)
            on_vfio = not vfio_vf_done
            r.function(vf, "15b3", "1018", 0x020000, (port,), driver="vfio-pci" if on_vfio else "mlx5_core",
                       group=group, numa=bus % 2)
            if on_vfio:
                r.vfio_group_node(group, 0)
                vfio_vf_done = True
            group += 1
            made += 1
            vfs.append(vf)
        if vfs:
            r.sriov(pf, vfs)
        bus += 2
    r.finish()
    print("%s: %d functions" % (dest, made))


if __name__ == "__main__":
    main()
