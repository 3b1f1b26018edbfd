#!/bin/sh
# The fault matrix (see matrix-lib.sh), the victim killed with SIGKILL
# at each point of the handover: the target's xrelocd (B's daemon,
# not its workers).
set -eu
. "$(dirname "$0")/matrix-lib.sh"

mx_run dst-daemon
finish
