/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of the hook benchmark: the least a precreate hook can do, copy
 * its stdin to its stdout. */
#include <unistd.h>

int main(void) {
    char buf[65536];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        if (write(1, buf, (size_t)n) != n) return 1;
    return n < 0;
}
