#!/bin/sh
# Caps on incoming migrations: B takes one at a time (xrelocd-max-incoming
# 1).  While web01 streams to B, a second migration from A is told busy
# before anything of web02 moves; A's job waits (xm jobs: waiting), tries
# again, and moves web02 once B is free.  A third host whose
# xrelocd-busy-wait is 0 gives up at once with a message that names the
# cap, its key and B.  Every domain runs exactly once at the end.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A "(xrelocd-max-migrations 4)"
start_host B "(xrelocd-max-incoming 1)"
start_host C "(xrelocd-busy-wait 0)"
caps_a_waits xrelocd-max-incoming

migrate C B web03 -l
check "C gives up at once: xm exits 1" [ "$XM_RC" -eq 1 ]
check "the message names B, the cap and the key to raise" grep -q \
    "127.0.0.1 stayed busy .*xrelocd-max-incoming 1.*raise that cap on" \
    "$XM_OUT"
check "web03 was not touched: it runs on C alone" runs_only_on C web03

caps_a_moves
finish
