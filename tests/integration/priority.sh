#!/bin/sh
# Priority at the target: B takes one migration at a time
# (xrelocd-max-incoming 1).  web01 holds B's slot (its target worker is
# stopped with SIGSTOP, so the slot stays taken as long as the test
# needs).  Meanwhile A queues web02 (standard) and web03 (--priority
# high); both are told busy, and B keeps its next free slot for web03.
# C hammers B with a standard migration of web04, trying again the
# moment it is told busy.  Then web01's worker goes on: the slot that
# frees goes to web03, before web02 and web04, however often they ask.
# Every domain moves exactly once, memory equal.
set -eu
. "$(dirname "$0")/lib.sh"

# The stopped worker must outlive the watchdog's xrelocd-io-timeout.
IO_TIMEOUT=600
start_host A "(xrelocd-max-migrations 4)"
start_host B "(xrelocd-max-incoming 1)"
start_host C "(xrelocd-busy-wait 0)"
sim_on A create web01 --memory 32 --dirty-rate 1 >/dev/null
for d in web02 web03; do
	sim_on A create "$d" --memory 16 --dirty-rate 1 >/dev/null
done
sim_on C create web04 --memory 16 --dirty-rate 1 >/dev/null

xm_on A migrate -l -r 2 -p "$(port_of B)" web01 127.0.0.1 \
    >"$WORK/job1.out" 2>&1 &
job1=$!
# B's target worker of web01, streaming.
target_worker() {
	tw=$(sed -n 's/.*xrelocd\[\([0-9]*\)\]: worker\[[^]]*\]: migrate: target web01 .*-> streaming.*/\1/p' \
	    "$WORK/B/log" | tail -n 1)
	[ -n "$tw" ] && kill -0 "$tw" 2>/dev/null && echo "$tw" >"$WORK/tw"
}
until_true "B's target worker of web01 streams" target_worker
kill -STOP "$(cat "$WORK/tw")"
log "stopped B's target worker of web01, pid $(cat "$WORK/tw")"

xm_on A migrate -l -p "$(port_of B)" web02 127.0.0.1 \
    >"$WORK/job2.out" 2>&1 &
job2=$!
until_true "web02 (standard) waits: B is busy" job_state_is A web02 waiting
xm_on A migrate -l --priority high -p "$(port_of B)" web03 127.0.0.1 \
    >"$WORK/job3.out" 2>&1 &
job3=$!
until_true "web03 (high) waits: B is busy" job_state_is A web03 waiting
check "B keeps its next free slot for the high-priority migration" \
    logged B "told busy: priority high, the next free slot is kept for it"

# C asks for B's slot again and again, 0.2 s after each time it is told
# busy: ten times as often as web03's source tries.
(
	n=0
	until XRELOCD_SOCKET=$WORK/C/ctl.sock "$XM" migrate -l \
	    -p "$(port_of B)" web04 127.0.0.1 >"$WORK/job4.try" 2>&1; do
		n=$((n + 1))
		cat "$WORK/job4.try" >>"$WORK/job4.out"
		sleep 0.2
	done
	echo "web04 moved after $n tries told busy" >>"$WORK/job4.out"
) &
job4=$!
until_true "C is told busy too" grep -qs "stayed busy" "$WORK/job4.out"

kill -CONT "$(cat "$WORK/tw")"
log "web01's target worker goes on"
for j in 1 2 3 4; do
	eval "pid=\$job$j"
	bg_wait "$pid" "job $j" "$WORK/job$j.out"
	check "job $j (web0$j) ends well" [ "$BG_RC" -eq 0 ]
done

# The order B received them in: the line of each domain's first target.
first_line() {
	grep -n -E "migrate: target $1 from" "$WORK/B/log" | head -n 1 |
	    cut -d: -f1
}
l2=$(first_line web02)
l3=$(first_line web03)
l4=$(first_line web04)
log "B's first lines of web02, web03, web04: $l2, $l3, $l4"
check "web03 (high) was received before web02 (standard, asked first)" \
    [ "${l3:-99999}" -lt "${l2:-0}" ]
check "web03 (high) was received before web04 (standard, asking again and again)" \
    [ "${l3:-99999}" -lt "${l4:-0}" ]
check "B logged web03's priority when it admitted it" \
    logged B "admitted: 1 at once .*priority high"
if grep -q "keeps its free slots for high-priority" "$WORK/job4.out"; then
	log "C was kept out while web03 had its claim"
fi
for d in web01 web02 web03 web04; do
	check "$d runs exactly once, on B" runs_only_on B "$d"
done
for d in web01 web02 web03; do
	check "$d: memory equal" memory_equal A B "$d"
done
check "web04: memory equal" memory_equal C B web04
finish
