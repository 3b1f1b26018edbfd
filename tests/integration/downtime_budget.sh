#!/bin/sh
# The downtime budget: a guest dirtying fast moves with --max-downtime,
# throttled on the way and unthrottled after, and pre-copy stopped on a
# prediction within the budget; a budget that cannot be met ends in a
# clean abort (exit 1, the rates in the message, the domain running on
# the source only, its memory intact); a source worker killed while it
# throttles leaves no throttle behind; bad values name the option.
set -eu
. "$(dirname "$0")/lib.sh"

# throttle HOST DOMAIN: the throttle (percent) in the guest's registers.
throttle() {
	th_id=$(sim_on "$1" info "$2" 2>/dev/null | grep -o '(domid [0-9]*' |
	    awk '{ print $2 }')
	od -An -t u8 -j 40 -N 8 "$WORK/$1/sim/dom/$th_id/vcpu" | tr -d ' '
}
throttled() { [ "$(throttle "$1" "$2")" -gt 0 ]; }
unthrottled() { [ "$(throttle "$1" "$2")" -eq 0 ]; }

start_host A
start_host B

sim_on A create web01 --memory 128 --dirty-rate 400 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
check "web01 runs on A" runs A web01

# A budget a guest at 400 MB/s cannot meet unthrottled, over a link
# capped at 40 MB/s: however slow this machine makes the guest (under
# ASan it dirtied 152 MB/s), it outpaces the link, so it must be
# throttled, and however fast the machine the link stays that slow.
migrate A B web01 -l -r 40 --max-downtime 100 --json
check "budget: xm exits 0" [ "$XM_RC" -eq 0 ]
check "budget: web01 runs only on B" runs_only_on B web01
check "budget: memory at B equals A's at pause" memory_equal A B web01
note=$(grep "pre-copy stops: " "$WORK/A/log" | tail -n 1)
log "$note"
pred=$(echo "$note" | sed -n 's/.*stop-and-copy predicted \([0-9]*\) ms, budget \([0-9]*\) ms.*/\1 \2/p')
check "budget: the stop was decided on a prediction" [ -n "$pred" ]
# shellcheck disable=SC2016,SC2086 # $1 in sh -c; two numbers
check "budget: the prediction used was within the budget" \
    sh -c '[ "$1" -le "$2" ] && [ "$2" -eq 100 ]' sh $pred
check "budget: the guest was throttled on the way" \
    sh -c "echo '$note' | grep -Eq 'at most [1-9][0-9]*%'"
check "budget: no throttle on B after" unthrottled B web01
check "budget: the record has the budget" \
    [ "$(json max-downtime-ms)" -eq 100 ]
us=$(json progress predicted-downtime-us)
# shellcheck disable=SC2016 # $1 in sh -c
check "budget: the record has the prediction used, within the budget" \
    sh -c '[ "$1" -gt 0 ] && [ "$1" -le 100000 ]' sh "$us"
check "budget: the record has the throttle used" \
    [ "$(json progress throttle-percent)" -gt 0 ]

# Never met (1 ms, less than a switchover): abort at the timeout.
c0=$(counter B web01)
migrate B A web01 -l --max-downtime 1 --timeout 1
check "abort: xm exits 1" [ "$XM_RC" -eq 1 ]
check "abort: the message has the link rate" grep -q "link [0-9.]* MB/s" "$XM_OUT"
check "abort: the message has the dirty rate" \
    grep -q "guest dirtying [0-9.]* MB/s" "$XM_OUT"
check "abort: the message has the downtime needed" \
    grep -q "stop-and-copy would take [0-9]* ms" "$XM_OUT"
check "abort: the message says what to change" \
    grep -q "raise --max-downtime" "$XM_OUT"
check "abort: web01 runs only on B" runs_only_on B web01
check "abort: nothing on A" sh -c "! $SIM -d $WORK/A/sim info web01 >/dev/null 2>&1 &&
    ! $SIM -d $WORK/A/sim info web01--incoming >/dev/null 2>&1"
check "abort: the counter carried on" counter_past B web01 "$c0"
check "abort: no throttle left on B" unthrottled B web01

# The source worker killed while it throttles: the guest drops it.  A
# small domain over a capped stream, so that rounds last.
sim_on B create web02 --memory 16 --dirty-rate 400 >/dev/null
xm_on B migrate -l -r 10 -p "$(port_of A)" --max-downtime 1 web02 \
    127.0.0.1 >"$WORK/xm-kill.out" 2>&1 &
xm_pid=$!
if wait_for "a throttle on B" "$WAIT" throttled B web02; then
	for w in $(pgrep -P "$(cat "$WORK/B/daemon.pid")" 2>/dev/null); do
		kill -9 "$w" 2>/dev/null || true
	done
	check "killed worker: the throttle is dropped" \
	    wait_for "no throttle on B" "$WAIT" unthrottled B web02
else
	not_ok "killed worker: B was never throttled"
fi
wait "$xm_pid" 2>/dev/null || true
check "killed worker: web02 runs only on B" runs_only_on B web02

# Bad values, each error naming the option.
for bad in "--max-downtime -1" "--max-downtime abc" "--max-downtime 3600001" \
    "--timeout -5" "--timeout 1.5"; do
	# shellcheck disable=SC2086 # an option and its value
	migrate B A web01 -l $bad
	opt=${bad%% *}
	check "$bad: usage error" [ "$XM_RC" -eq 2 ]
	check "$bad: the message names $opt" grep -q -- "$opt" "$XM_OUT"
done
check "after bad values: web01 runs only on B" runs_only_on B web01

finish
