#!/bin/sh
# The fault matrix (see matrix-lib.sh), the victim killed with SIGKILL
# at each point of the handover: both hosts' xrelocd at once (not
# their workers).
set -eu
. "$(dirname "$0")/matrix-lib.sh"

mx_run both-daemons
finish
