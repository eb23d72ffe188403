# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# debian_mirror: prints the Debian mirror that debootstrap should use, for
# the rootfs and image builds (sourced by debian/rootfs_cache.sh and
# debian/upstream_image.sh): $E2E_DEBIAN_MIRROR,
# else this machine's main archive from /etc/apt/sources.list*, else
# http://deb.debian.org/debian.
debian_mirror() {
    local url
    [ -z "${E2E_DEBIAN_MIRROR:-}" ] || { echo "$E2E_DEBIAN_MIRROR"; return; }
    # deb822 "URIs: ..." or one-line "deb [opts] URL suite ..."; the main
    # archive, not debian-security.
    url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        sed -nE 's/^URIs:[[:space:]]*//p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//p' |
        tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n1 || true)
    echo "${url:-http://deb.debian.org/debian}"
}
