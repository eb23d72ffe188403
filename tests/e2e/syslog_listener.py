#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A tiny syslog listener for the end-to-end tests.

Binds a datagram socket (normally /dev/log), and appends every message to a
file as one line: "<listener time> <severity> <ident[pid]: message>". Used
only where no syslog daemon runs; lib.sh starts and stops it. busybox syslogd
would do, but it cuts messages at about 1 KiB and the hook's one-line errors
can be longer.

usage: syslog_listener.py SOCKET OUTPUT PIDFILE
"""
import os
import re
import signal
import socket
import sys
import time

SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
# glibc's syslog(3) sends "<PRI>Mmm dd hh:mm:ss ident[pid]: message".
FRAME = re.compile(rb"^<(\d{1,3})>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?(.*)$", re.S)


def format_line(datagram: bytes) -> bytes:
    match = FRAME.match(datagram)
    if match:
        severity = SEVERITIES[int(match.group(1)) & 7].encode()
        body = match.group(2)
    else:
        severity, body = b"-", datagram
    body = body.rstrip(b"\0\n").replace(b"\n", b"\\n")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S").encode()
    return stamp + b" " + severity + b" " + body + b"\n"


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, output, pidfile = sys.argv[1:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)  # fails if the path exists: never take over another daemon's socket
    os.chmod(path, 0o666)

    def stop(_signum, _frame):
        # Only remove the socket if it is still the one this process bound.
        try:
            if os.stat(path).st_ino == bound_inode:
                os.unlink(path)
        except FileNotFoundError:
            pass
        sys.exit(0)

    bound_inode = os.stat(path).st_ino
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(output, "ab", buffering=0) as out:
        with open(pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()} {bound_inode}\n")
        os.rename(pidfile + ".tmp", pidfile)  # the pid file appears only once the socket is ready
        while True:
            out.write(format_line(sock.recv(65536)))


if __name__ == "__main__":
    sys.exit(main())
