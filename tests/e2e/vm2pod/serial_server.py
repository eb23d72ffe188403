#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Stand-in for QEMU's serial console socket in the converter's e2e test.

KubeVirt's domain binds serial0 to a unix socket that QEMU listens on, in the
compute container's private volume; this listens at the same place, from the
host side, so that `kubevirt-vm-to-pod console VM` is checked against real
Podman (inspect, the volume's host path) without QEMU. Like QEMU's chardev it
serves one client at a time and does not replay what it said before.

A client is greeted with "standin serial: attached". A line "status" is
answered 0.5 s later with "KVPOD-STANDIN-STATUS 1" and 0.5 s after that
"KVPOD-STANDIN-STATUS 2" (a guest that answers in pieces); other lines are
echoed as "echo: LINE". Runs until killed.

usage: serial_server.py DIR NAME
"""
import os
import socket
import sys
import time


def serve(client: socket.socket) -> None:
    client.sendall(b"standin serial: attached\r\n")
    pending = b""
    while True:
        data = client.recv(4096)
        if not data:
            return
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            line = line.rstrip(b"\r")
            if line == b"status":
                for n in (1, 2):
                    time.sleep(0.5)
                    client.sendall(b"KVPOD-STANDIN-STATUS %d\r\n" % n)
            else:
                client.sendall(b"echo: " + line + b"\r\n")


def main() -> None:
    directory, name = sys.argv[1], sys.argv[2]
    # The volume's path may be longer than sun_path's 108 bytes.
    dir_fd = os.open(directory, os.O_PATH | os.O_DIRECTORY)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(f"/proc/self/fd/{dir_fd}/{name}")
    listener.listen(1)
    while True:
        client, _ = listener.accept()
        try:
            serve(client)
        except OSError:
            pass
        client.close()


if __name__ == "__main__":
    main()
