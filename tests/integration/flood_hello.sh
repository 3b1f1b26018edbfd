#!/bin/sh
# A peer on the allow-list that opens connections without end and never
# sends HELLO (from 127.0.0.2) takes only xrelocd-max-pending-per-peer of
# the xrelocd-max-pending slots: a live migration from another allowed
# host (127.0.0.1) meanwhile succeeds, and the refusals are logged once
# per peer and interval, then summed up, not once each.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"

ALLOW="127.0.0.1 127.0.0.2"

start_host A
start_host B "(xrelocd-max-pending 16) (xrelocd-max-pending-per-peer 4)"
flood_web01
flood_start "the flood is refused beyond 4 connections"
flood_migrate
flood_summed
flood_stop

finish
