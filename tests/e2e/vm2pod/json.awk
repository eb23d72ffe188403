# SPDX-License-Identifier: Apache-2.0
# A strict JSON reader for busybox awk: checks that the whole input is one
# JSON value (RFC 8259 grammar, no trailing garbage) and prints each scalar
# as "/json/pointer=value" (strings with their escapes kept, {} and [] for
# empty containers). Exit status 1 on the first error, with "json.awk: ..."
# on stderr. The e2e stand-in launcher reads STANDALONE_VMI with it.
function fail(msg) {
    printf "json.awk: %s at byte %d\n", msg, pos > "/dev/stderr"
    failed = 1
    exit 1
}
function skip_ws() {
    while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++
}
function read_string(    out, c, e) {
    pos++  # the opening quote
    out = ""
    while (pos <= n) {
        c = substr(s, pos, 1)
        if (c == "\"") { pos++; return out }
        if (c == "\\") {
            e = substr(s, pos + 1, 1)
            if (index("\"\\/bfnrt", e) > 0) { out = out c e; pos += 2; continue }
            if (e == "u" && substr(s, pos + 2, 4) ~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) {
                out = out substr(s, pos, 6); pos += 6; continue
            }
            fail("bad escape")
        }
        if (c < " ") fail("control character in a string")
        out = out c
        pos++
    }
    fail("unterminated string")
}
function read_value(path,    c, key, count, rest) {
    skip_ws()
    if (pos > n) fail("value expected")
    c = substr(s, pos, 1)
    if (c == "{") {
        pos++; skip_ws()
        if (substr(s, pos, 1) == "}") { pos++; print path "={}"; return }
        while (1) {
            skip_ws()
            if (substr(s, pos, 1) != "\"") fail("object key expected")
            key = read_string()
            skip_ws()
            if (substr(s, pos, 1) != ":") fail("':' expected")
            pos++
            read_value(path "/" key)
            skip_ws()
            c = substr(s, pos, 1); pos++
            if (c == "}") return
            if (c != ",") fail("',' or '}' expected")
        }
    }
    if (c == "[") {
        pos++; skip_ws()
        if (substr(s, pos, 1) == "]") { pos++; print path "=[]"; return }
        count = 0
        while (1) {
            read_value(path "/" count)
            count++
            skip_ws()
            c = substr(s, pos, 1); pos++
            if (c == "]") return
            if (c != ",") fail("',' or ']' expected")
        }
    }
    if (c == "\"") { print path "=" read_string(); return }
    rest = substr(s, pos)
    if (match(rest, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        print path "=" substr(rest, 1, RLENGTH); pos += RLENGTH; return
    }
    if (substr(rest, 1, 4) == "true" || substr(rest, 1, 4) == "null") { print path "=" substr(rest, 1, 4); pos += 4; return }
    if (substr(rest, 1, 5) == "false") { print path "=false"; pos += 5; return }
    fail("unexpected '" c "'")
}
{ s = s $0 "\n" }
END {
    if (failed) exit 1
    n = length(s); pos = 1
    read_value("")
    skip_ws()
    if (pos <= n) fail("trailing data")
}
