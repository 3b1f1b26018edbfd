# The fault matrix of xrelocd(8)'s failure rules, with real signals: a
# live migration of web01 from A to B is held at a point (fault action
# wait), a victim is killed with SIGKILL, every killed daemon is started
# again on its own port, directories and state directory, the hold is
# released, and once no migration is in flight on either host the
# outcome is asserted without any admin command: web01 runs exactly once,
# under its name, where the point decides, with its memory and counter
# carried on, nothing left renamed, and both hosts' `xm jobs` tell the
# same outcome.  Sourced by the matrix_*.sh scripts (one per victim, so
# that make -j runs them side by side).  POSIX sh.
# shellcheck shell=sh

. "$(dirname "$0")/lib.sh"
needs_fault_injection
if [ "${XRELOCD_MATRIX_SKIP:-0}" = 1 ]; then
	echo "# skipped: XRELOCD_MATRIX_SKIP=1 (tests/run.sh's distcheck)"
	exit 77
fi

MEM=64
# How long a migration may take to reach its hold (64 MiB with a guest
# dirtying pages, on a loaded machine), and a case to settle after the
# release: a daemon that was killed recovers or asks its peer after it
# starts again.
MATRIX_WAIT=${MATRIX_WAIT:-90}
MATRIX_POINTS=${MATRIX_POINTS:-src-suspended src-go src-go-sent dst-renamed \
dst-done}
export XRELOCD_FAULT_RELEASE="$WORK/release"

# mx_holder POINT: the host whose worker reaches POINT.
mx_holder() {
	case $1 in
	src-*) echo A ;;
	*) echo B ;;
	esac
}

# mx_fresh POINT [HOLDER]: new hosts A and B (lib.sh gives each its own
# state directory), the wait armed at POINT on HOLDER (default: mx_holder), and
# web01 running on A, dirtying pages.  Sets COUNT0.
mx_fresh() {
	teardown
	rm -rf "$WORK/A" "$WORK/B" "$XRELOCD_FAULT_RELEASE"
	mx_hold=${2:-$(mx_holder "$1")}
	for mx_h in A B; do
		mkdir -p "$WORK/$mx_h/state"
		mx_f=""
		[ "$mx_h" = "$mx_hold" ] && mx_f="$1:wait"
		FAULT=$mx_f start_host "$mx_h"
	done
	sim_on A create web01 --memory $MEM --dirty-rate 20 >/dev/null
	COUNT0=$(counter A web01)
	MX_UUID=$(sim_on A info web01 | sed -n 's/.*(uuid \([^)]*\)).*/\1/p')
}

# After A's daemon started again, the migration its former daemon began
# still holds web01 (its worker is adopted): a second one, asked by uuid
# (the name may be web01--migratedaway by now), is refused.
mx_no_second() {
	mx_out=$WORK/second.out
	set +e
	xm_on A migrate -l -p "$(port_of B)" "$MX_UUID" 127.0.0.1 \
	    >"$mx_out" 2>&1
	mx_rc=$?
	set -e
	sed 's/^/    second xm: /' "$mx_out"
	check "$MX_WHAT: a second migration after the restart is refused" \
	    [ "$mx_rc" -eq 1 ]
	check "$MX_WHAT: ... as already being migrated" \
	    grep -q "is already being migrated" "$mx_out"
}

# Start xm migrate -l web01 from A to B in the background.
mx_migrate_bg() {
	MX_XM_OUT=$WORK/xm.out
	xm_on A migrate -l -p "$(port_of B)" web01 127.0.0.1 \
	    >"$MX_XM_OUT" 2>&1 &
	MX_XM_PID=$!
}

# mx_gone PID: the process ended (a zombie no one reaped yet counts).
mx_gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# Reap the background xm (it may have lost its daemon) and show what it
# said; its exit status is logged, not asserted.
mx_xm_reap() {
	if ! wait_for "xm migrate to end" "$WAIT" mx_gone "$MX_XM_PID"; then
		kill "$MX_XM_PID" 2>/dev/null || true
	fi
	set +e
	wait "$MX_XM_PID"
	mx_rc=$?
	set -e
	sed 's/^/    xm: /' "$MX_XM_OUT"
	log "xm migrate exited $mx_rc"
}

# mx_holds HOST POINT: HOST's worker logged that it holds at POINT.
mx_holds() {
	grep -q -- "injected fault at $2: waiting" "$WORK/$1/log"
}

# mx_workers HOST: the pids of the live daemon's workers (its children),
# on one line.
mx_workers() {
	pgrep -d ' ' -P "$(cat "$WORK/$1/daemon.pid")" 2>/dev/null || true
}

# mx_kill PID WHAT: SIGKILL; a process that already ended is logged.
mx_kill() {
	if kill -9 "$1" 2>/dev/null; then
		log "killed $2 (pid $1)"
	else
		log "$2 (pid $1) had already exited"
	fi
}

# mx_kill_daemon HOST: SIGKILL HOST's xrelocd (not its workers) and reap
# it, so that its port and control socket are free.
mx_kill_daemon() {
	mx_pid=$(cat "$WORK/$1/daemon.pid")
	mx_kill "$mx_pid" "host $1's xrelocd"
	wait "$mx_pid" 2>/dev/null || true
}

mx_answers() {
	mx_gone "$(cat "$WORK/$1/daemon.pid")" ||
	    xm_on "$1" jobs >/dev/null 2>&1
}

# mx_restart HOST: start HOST's xrelocd again with the configuration
# start_host wrote (same port, sim and state directories, log), without
# a fault armed; wait until it answers on its control socket.
mx_restart() {
	mx_dir=$WORK/$1
	log "starting host $1's xrelocd again"
	"$XRELOCD" -d -f "$mx_dir/xend-config.sxp" >>"$mx_dir/log" 2>&1 &
	echo $! >"$mx_dir/daemon.pid"
	wait_for "host $1's xrelocd to answer" "$WAIT" mx_answers "$1" &&
	    ! mx_gone "$(cat "$mx_dir/daemon.pid")"
}

# mx_jobs HOST: HOST's `xm jobs` without its heading.
mx_jobs() {
	xm_on "$1" jobs 2>/dev/null | awk '$1 != "Job" && NF > 0'
}

# mx_in_flight HOST: a job of HOST is in a non-final state, or HOST does
# not answer.  done and failed are final; unknown is the word of a job
# that ended in the unknown state: it will not change either, and the
# assertions refuse it.
mx_in_flight() {
	mx_out=$(xm_on "$1" jobs 2>/dev/null) || return 0
	echo "$mx_out" | awk '$1 == "Job" || NF == 0 { next }
	    { e = 0
	      for (i = 1; i <= NF; i++)
	        if ($i == "done" || $i == "failed" || $i == "unknown") e = 1
	      if (!e) f = 1 }
	    END { exit !f }'
}

# No job in flight on A or B, and every worker recorded before the kill
# ended: a worker whose daemon died goes on without it.
mx_settled() {
	for mx_p in $MX_WORKERS; do
		mx_gone "$mx_p" || return 1
	done
	! mx_in_flight A && ! mx_in_flight B
}

# mx_job_says HOST WORD: a job line of HOST names web01 and has WORD as a
# word of its own (not a column position: B lists incoming migrations).
mx_job_says() {
	mx_jobs "$1" | awk -v w="$2" '/web01/ {
	    for (i = 1; i <= NF; i++) if ($i == w) f = 1 }
	    END { exit !f }'
}

# mx_outcome HOST WORD OTHER: HOST's web01 line says WORD, none OTHER.
mx_outcome() { mx_job_says "$1" "$2" && ! mx_job_says "$1" "$3"; }

# Nothing named web01--incoming or web01--migratedaway on A or B.
mx_no_renamed() {
	for mx_h in A B; do
		for mx_n in web01--incoming web01--migratedaway; do
			has_domain "$mx_h" "$mx_n" && return 1
		done
	done
	return 0
}

mx_named() { has_domain A web01 || has_domain B web01; }

# mx_where POINT VICTIM: where web01 must run.  A when a worker died
# before GO went out, B when the target took it; after GO was sent, or
# when only daemons died before it (their workers go on, and may hand
# the domain over once released), wherever the name web01 is: B when it
# has one.
mx_where() {
	case $1:$2 in
	src-suspended:*-worker | src-go:*-worker) echo A ;;
	src-*)
		wait_for "a domain web01 on A or B" "$WAIT" mx_named >&2 || true
		if has_domain B web01; then echo B; else echo A; fi ;;
	*) echo B ;;
	esac
}

# mx_assert WHAT POINT VICTIM: the outcome, once settled.
mx_assert() {
	mx_what=$1
	mx_to=$(mx_where "$2" "$3")
	log "web01 is to run on $mx_to"
	mx_w=failed mx_o="done"
	[ "$mx_to" = B ] && mx_w="done" mx_o=failed
	check "$mx_what: web01 runs exactly once, on $mx_to, as web01" \
	    runs_only_on "$mx_to" web01
	check "$mx_what: no web01--incoming or --migratedaway on A or B" \
	    wait_for "no renamed copy of web01" "$WAIT" mx_no_renamed
	if [ "$mx_to" = B ]; then
		check "$mx_what: B's memory equals A's at pause" \
		    memory_equal A B web01
	fi
	check "$mx_what: web01's counter went on past $COUNT0" \
	    counter_past "$mx_to" web01 "$COUNT0"
	check "$mx_what: A's job says $mx_w" mx_outcome A "$mx_w" "$mx_o"
	check "$mx_what: B's incoming migration says $mx_w" \
	    mx_outcome B "$mx_w" "$mx_o"
	for mx_h in A B; do
		mx_jobs "$mx_h" | sed "s/^/    xm jobs on $mx_h: /"
	done
}

# mx_reap_workers: the workers recorded before the kill end on their own
# once the migration is over; any left is a failure, then killed.
mx_reap_workers() {
	for mx_p in $MX_WORKERS; do
		if ! wait_for "worker $mx_p to end" "$WAIT" \
		    mx_gone "$mx_p"; then
			not_ok "$MX_WHAT: worker $mx_p ended"
			kill -9 "$mx_p" 2>/dev/null || true
		fi
	done
}

# mx_victim VICTIM: kill it (after recording every worker) and start
# again every daemon that was killed.  Fails if a daemon did not start.
mx_victim() {
	MX_WA=$(mx_workers A)
	MX_WB=$(mx_workers B)
	MX_WORKERS="$MX_WA $MX_WB"
	log "workers: A: ${MX_WA:-none}, B: ${MX_WB:-none}"
	case $1 in
	src-worker | dst-worker)
		[ "$1" = src-worker ] && mx_ws=$MX_WA || mx_ws=$MX_WB
		# Past GO the other side may have finished already.
		[ -n "$mx_ws" ] || log "no $1 to kill: it already ended"
		for mx_p in $mx_ws; do mx_kill "$mx_p" "$1"; done
		return 0 ;;
	src-daemon) mx_hosts=A ;;
	dst-daemon) mx_hosts=B ;;
	both-daemons) mx_hosts="A B" ;;
	esac
	for mx_h in $mx_hosts; do mx_kill_daemon "$mx_h"; done
	for mx_h in $mx_hosts; do
		if ! mx_restart "$mx_h"; then
			not_ok "$MX_WHAT: host $mx_h's xrelocd started again"
			return 1
		fi
	done
}

# mx_case POINT VICTIM: one case of the matrix.
mx_case() {
	MX_WHAT="$2 killed at $1"
	MX_WORKERS=""
	log "case: $MX_WHAT"
	mx_fresh "$1"
	mx_migrate_bg
	mx_hh=$(mx_holder "$1")
	if ! wait_for "$mx_hh to hold at $1" "$MATRIX_WAIT" \
	    mx_holds "$mx_hh" "$1"; then
		not_ok "$MX_WHAT: $mx_hh holds at $1"
		touch "$XRELOCD_FAULT_RELEASE"
		mx_xm_reap
		return 0
	fi
	if mx_victim "$2"; then
		case $2 in
		src-daemon | both-daemons) mx_no_second ;;
		esac
		touch "$XRELOCD_FAULT_RELEASE"
		if wait_for "no migration in flight on A or B" \
		    "$MATRIX_WAIT" mx_settled; then
			ok "$MX_WHAT: no migration in flight on A or B"
		else
			not_ok "$MX_WHAT: no migration in flight on A or B"
		fi
		mx_assert "$MX_WHAT" "$1" "$2"
	fi
	touch "$XRELOCD_FAULT_RELEASE"
	mx_xm_reap
	mx_reap_workers
}

# mx_run VICTIM: every point of MATRIX_POINTS in turn.
mx_run() {
	for mx_pt in $MATRIX_POINTS; do
		mx_case "$mx_pt" "$1"
	done
}
