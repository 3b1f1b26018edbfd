#!/bin/sh
# A domain whose name holds a newline and an escape character cannot
# forge a log line nor a row of xm jobs: both show it escaped ("\n",
# "\x1b"), on one line.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A
start_host B
name=$(printf 'evil\nxrelocd[1]: forged\033[31m')
vis='evil\\nxrelocd\[1\]: forged\\x1b\[31m'
# Over XML-RPC the escape character arrives as "?": XML cannot carry it.
xvis='evil\\nxrelocd\[1\]: forged?\[31m'
sim_on A create "$name" --memory 16 --dirty-rate 1 >/dev/null
# By uuid: XML cannot carry the escape character of its name.
uuid=$(sim_on A info "$name" | sed -n 's/.*(uuid \([^)]*\)).*/\1/p')

migrate A B "$uuid" -l
check "the migration exits 0" [ "$XM_RC" -eq 0 ]
check "xm's summary shows the name escaped" grep -q "^$xvis moved to" "$XM_OUT"
check "xm's output has no escape character" \
    sh -c "! grep -q \"$(printf '\033')\" $XM_OUT"
check "A's log shows the name escaped" grep -q "$vis" "$WORK/A/log"
check "B's log shows the name escaped" grep -q "$vis" "$WORK/B/log"
check "no log line begins with the forged text" \
    sh -c "! grep -q '^xrelocd\\[1\\]: forged' $WORK/A/log $WORK/B/log"
check "no log has an escape character" \
    sh -c "! grep -q \"$(printf '\033')\" $WORK/A/log $WORK/B/log"
xm_on A jobs >"$WORK/jobs.A"
sed 's/^/    /' "$WORK/jobs.A"
check "xm jobs: one row for the job, the name escaped" \
    [ "$(wc -l <"$WORK/jobs.A")" -eq 2 ]
check "xm jobs: the row shows the name escaped" grep -q "$xvis" "$WORK/jobs.A"
check "xm jobs: no line begins with the forged text" \
    sh -c "! grep -q '^xrelocd' $WORK/jobs.A"

# lib.sh's teardown reads sim list by line: end the guest by its name.
sim_on B destroy "$name" >/dev/null
finish
