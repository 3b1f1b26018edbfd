#!/bin/sh
# xm evacuate: twelve small domains and one too big for either target
# leave A for B and C, whose caps take two incoming migrations at once.
# --check moves nothing; then every domain that fits moves exactly once
# (memory equal), the big one stays on A, named, and xm exits 1.  The
# caps are asserted from the daemons' logs (the most at once each one
# admitted or started), never from timing.
set -eu
. "$(dirname "$0")/lib.sh"

DOMS="web01 web02 web03 web04 web05 web06 web07 web08 web09 web10 web11 web12"
# Each target has 256 MiB: together room for the twelve, not for big01.
for h in B C; do
	host_facts "$h" "(total-memory-kb 262144)"
	start_host "$h" "(xrelocd-max-incoming 2)"
done
# --check finds its targets in xrelocd-evacuate-targets.
start_host A "(xrelocd-max-migrations 4)
(xrelocd-evacuate-targets '127.0.0.1:$(port_of B) 127.0.0.1:$(port_of C)')"
i=0
for d in $DOMS; do
	sim_on A create "$d" --memory $((16 + 8 * (i % 4))) --dirty-rate 1 \
	    >/dev/null
	i=$((i + 1))
done
sim_on A create big01 --memory 272 --dirty-rate 1 >/dev/null
TO="--to 127.0.0.1:$(port_of B) --to 127.0.0.1:$(port_of C)"

# evacuate [options]: xm evacuate on A; EV_RC and its output.
evacuate() {
	set +e
	xm_on A evacuate "$@" >"$WORK/ev.out" 2>&1
	EV_RC=$?
	set -e
	sed 's/^/    xm: /' "$WORK/ev.out"
}

# on HOST: the domains of the sim host, one per line.
on() { sim_on "$1" list | awk 'NR > 1 { print $1 }'; }

# Without --to nor the key: a usage error that says what to give.
set +e
xm_on B evacuate >"$WORK/none.out" 2>&1
rc=$?
set -e
check "no target anywhere: exit 2" [ "$rc" -eq 2 ]
check "no target anywhere: says --to or the key" grep -q \
    "give one or more --to HOST\[:PORT\], or set xrelocd-evacuate-targets" \
    "$WORK/none.out"
# A bad target in the key is refused where it stands, by xrelocd -n.
printf '(xrelocd-evacuate-targets "hostB hostC:0")\n' >"$WORK/bad.sxp"
set +e
"$XRELOCD" -n -f "$WORK/bad.sxp" >"$WORK/bad.out" 2>&1
rc=$?
set -e
sed 's/^/    xrelocd -n: /' "$WORK/bad.out"
check "a bad xrelocd-evacuate-targets fails xrelocd -n" [ "$rc" -ne 0 ]
check "... naming the file, line, key and word" grep -q \
    "bad.sxp:1:.*xrelocd-evacuate-targets: 'hostC:0' is not HOST or HOST:PORT" \
    "$WORK/bad.out"

evacuate --check -l --max 3
check "--check: exit 1, since big01 fits nowhere" [ "$EV_RC" -eq 1 ]
check "--check: the plan names big01 and the memory it lacks" grep -q \
    "big01 (272 MiB) -> none, stays here: .*needs .* MiB" "$WORK/ev.out"
check "--check: every web domain has a target" [ "$(grep -c \
    '^  web[0-9]* ([0-9]* MiB) -> 127.0.0.1:' "$WORK/ev.out")" -eq 12 ]
check "--check: the plan spreads them over both targets" sh -c \
    "grep -q -- '-> 127.0.0.1:$(port_of B)\$' $WORK/ev.out &&
    grep -q -- '-> 127.0.0.1:$(port_of C)\$' $WORK/ev.out"
check "--check: nothing moved to B or C" \
    [ -z "$(on B)$(on C)" ]
check "--check: all 13 domains still on A" [ "$(on A | wc -l)" -eq 13 ]

# shellcheck disable=SC2086 # TO is two options
evacuate $TO -l --max 3
check "exit 1: big01 is left on A" [ "$EV_RC" -eq 1 ]
check "big01 is named as staying" grep -q \
    "big01 stays here: it fits on no target" "$WORK/ev.out"
check "the summary counts 12 of 13 moved" grep -q \
    "evacuate: 12 of 13 domains moved, 0 failed, 1 left here" \
    "$WORK/ev.out"
check "big01 runs on A, exactly once" runs_only_on A big01
for h in B C; do
	xm_on "$h" jobs >"$WORK/$h.jobs"
	grep ' received from ' "$WORK/$h.jobs" | sed "s/^/    $h: /"
done
for d in $DOMS; do
	n=0 dst=""
	for h in B C; do
		k=$(awk -v d="$d" '$2 == "in" && $3 == d && $6 == "done" &&
		    / received from /' "$WORK/$h.jobs" | wc -l)
		n=$((n + k))
		[ "$k" -eq 0 ] || dst=$h
	done
	check "$d moved exactly once" [ "$n" -eq 1 ]
	[ -n "$dst" ] || continue
	check "$d runs exactly once, on $dst" runs_only_on "$dst" "$d"
	check "$d: memory equal" memory_equal A "$dst" "$d"
done
check "B and C each took some" sh -c "[ -n '$(on B)' ] && [ -n '$(on C)' ]"

# most HOST ERE: the largest N in HOST's log lines "ERE N at once".
most() {
	sed -n "s/.*$2 \\([0-9]*\\) at once.*/\\1/p" "$WORK/$1/log" |
	    sort -n | tail -n 1
}
for h in B C; do
	m=$(most "$h" "admitted:")
	log "host $h admitted at most $m migrations at once"
	check "host $h never received more than its cap of 2 at once" \
	    [ "${m:-99}" -le 2 ]
done
m=$(most A "started,")
log "host A ran at most $m jobs at once"
check "host A never ran more than --max 3 jobs at once" \
    [ "${m:-99}" -le 3 ]
finish
