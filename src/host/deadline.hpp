// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace kvpod::host {

/// Ends the process with status 1 after `seconds`, logging why to syslog and
/// stderr. A stuck read (a sysfs attribute of a hung device) then fails the
/// container start cleanly instead of running into Podman's hook timeout.
/// Nothing has reached stdout by then, so the start fails closed.
void arm_deadline(unsigned seconds, const char* ident);

}  // namespace kvpod::host
