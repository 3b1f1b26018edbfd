#!/bin/sh
# The target gone for good after GO, and the admin's xm recover.  (a) B
# holds at dst-go, its xrelocd and worker are killed and B never comes
# back: A's job resolves (asks B) for as long as it takes, keeps
# web01--migratedaway suspended and says what the admin can do; xm
# recover then runs web01 on A again.  (b) B holds at dst-done, A's
# xrelocd is killed, the hold released and A started again: A learns
# from B that it took web01 and destroys its own copy, so xm recover
# finds nothing to recover.
set -eu
. "$(dirname "$0")/matrix-lib.sh"

# mx_recover: xm recover web01 on A; sets MX_RC, output in MX_RECOVER.
mx_recover() {
	MX_RECOVER=$WORK/recover.out
	set +e
	xm_on A recover web01 >"$MX_RECOVER" 2>&1
	MX_RC=$?
	set -e
	sed 's/^/    xm recover: /' "$MX_RECOVER"
}

# A's job line or log names B (127.0.0.1) and the admin's way out.
says_what_to_do() {
	{ mx_jobs A; cat "$WORK/A/log"; } | grep web01 | grep 127.0.0.1 |
	    grep -q "xm recover"
}

no_away_on_a() { ! has_domain A web01--migratedaway; }

# (a) B killed at dst-go, never started again.
MX_WHAT="target gone"
mx_fresh dst-go
sim_on A create ref01 --memory 16 --dirty-rate 1 >/dev/null
mx_migrate_bg
check "$MX_WHAT: B holds at dst-go" \
    wait_for "B to hold at dst-go" "$MATRIX_WAIT" mx_holds B dst-go
MX_WORKERS=$(mx_workers B)
log "workers: B: ${MX_WORKERS:-none}"
mx_kill_daemon B
rm -f "$WORK/B/daemon.pid"
for p in $MX_WORKERS; do mx_kill "$p" "host B's worker"; done
touch "$XRELOCD_FAULT_RELEASE"
check "$MX_WHAT: A's job says resolving" \
    wait_for "A's job to say resolving" "$MATRIX_WAIT" \
    mx_job_says A resolving
mx_jobs A | sed 's/^/    xm jobs on A: /'
check "$MX_WHAT: A keeps web01--migratedaway suspended" \
    [ "$(dom_state A web01--migratedaway)" = suspended ]
check "$MX_WHAT: A's copy does not run" \
    stands_still A web01--migratedaway A ref01
check "$MX_WHAT: A names B and says what the admin can do" \
    says_what_to_do
mx_recover
check "$MX_WHAT: xm recover web01 exits 0" [ "$MX_RC" -eq 0 ]
check "$MX_WHAT: web01 then runs on A only" runs_only_on A web01
check "$MX_WHAT: web01's counter went on past $COUNT0" \
    counter_past A web01 "$COUNT0"
mx_xm_reap
mx_reap_workers

# (b) A killed at dst-done, started again: it resolves by itself.
MX_WHAT="source restarted"
mx_fresh dst-done
mx_migrate_bg
check "$MX_WHAT: B holds at dst-done" \
    wait_for "B to hold at dst-done" "$MATRIX_WAIT" mx_holds B dst-done
MX_WORKERS="$(mx_workers A) $(mx_workers B)"
log "workers: $MX_WORKERS"
mx_kill_daemon A
touch "$XRELOCD_FAULT_RELEASE"
check "$MX_WHAT: A's xrelocd starts again" mx_restart A
check "$MX_WHAT: web01 runs on B only" runs_only_on B web01
check "$MX_WHAT: A destroyed web01--migratedaway" \
    wait_for "no web01--migratedaway on A" "$MATRIX_WAIT" no_away_on_a
check "$MX_WHAT: B's memory equals A's at pause" memory_equal A B web01
mx_recover
check "$MX_WHAT: xm recover web01 is refused (exit 1)" [ "$MX_RC" -eq 1 ]
check "$MX_WHAT: xm recover says there is nothing to recover" \
    grep -q -E "no domain web01--migratedaway|nothing to recover" \
    "$MX_RECOVER"
mx_xm_reap
mx_reap_workers

finish
