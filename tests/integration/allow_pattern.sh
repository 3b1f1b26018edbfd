#!/bin/sh
# An allow-list pattern whose compile time glibc's regcomp does not bound
# ((((()+)+)+)+ runs for minutes) is refused with its place, by
# xrelocd -n and by a reload, which keeps the running configuration:
# neither hangs, and the daemon goes on serving xm and migrations.  And
# a pattern admits a peer by its confirmed name.
set -eu
. "$(dirname "$0")/lib.sh"

BAD='(((((()+)+)+)+)+)+'
WHY="bad regular expression in xend-relocation-hosts-allow: '$BAD': at \
character 8"

start_host A
start_host B
sim_on A create web01 --memory 32 >/dev/null

conf=$WORK/B/xend-config.sxp
key=xend-relocation-hosts-allow
sed "s/^($key .*/($key '127.0.0.1 $BAD')/" "$conf" >"$WORK/bad.sxp"
line=$(grep -n "xend-relocation-hosts-allow" "$WORK/bad.sxp" | cut -d: -f1)
set +e
timeout 60 "$XRELOCD" -n -f "$WORK/bad.sxp" >"$WORK/n.out" 2>&1
rc=$?
set -e
sed 's/^/    -n: /' "$WORK/n.out"
check "xrelocd -n refuses the pattern, without hanging" \
    sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
check "xrelocd -n names file, line and column" \
    grep -q -F "$WORK/bad.sxp:$line:" "$WORK/n.out"
check "xrelocd -n says what is wrong" grep -q -F "$WHY" "$WORK/n.out"

cp "$WORK/bad.sxp" "$conf"
kill -HUP "$(cat "$WORK/B/daemon.pid")"
check "the reload refuses the pattern" logged B "at character 8: a repetition"
check "and keeps the running configuration" logged B "keeping the running"
list() { xm_on B list >/dev/null; }
check "xm still answers" list
migrate A B web01 -l
check "a migration to B still succeeds: xm exits 0" [ "$XM_RC" -eq 0 ]
check "web01 runs only on B" runs_only_on B web01

# A pattern alone admits a peer by its name, looked up in a child.
ALLOW='^localhost(.localdomain)?$'
start_host C
migrate B C web01 -l
check "admitted by name: xm exits 0" [ "$XM_RC" -eq 0 ]
check "admitted by name: web01 runs only on C" runs_only_on C web01
check "C logged the name it admitted" logged C \
    "admitted 127\.0\.0\.1:[0-9]+ as localhost"

finish
