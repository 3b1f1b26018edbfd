#!/bin/sh
# One migration per domain, known by its uuid: while web01 moves to B, a
# second job for it is refused however it is named (domid, uuid, name),
# also while its job still waits in the queue; xm exits 1 and names the
# job that holds it.  At the end web01 runs exactly once, on B.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A "(xrelocd-max-migrations 1)"
start_host B
start_host C
sim_on A create web01 --memory 64 --dirty-rate 1 >/dev/null
sim_on A create web02 --memory 32 --dirty-rate 5 >/dev/null

field() { sim_on A info "$1" | sed -n "s/.*($2 \([^)]*\)).*/\1/p"; }

# until_true DESC CMD...: CMD comes to hold (lib.sh's wait_for), as a check.
# In the background: web01 to B, slowly, so it is still moving.
xm_on A migrate -l -r 5 -p "$(port_of B)" web01 127.0.0.1 \
    >"$WORK/job1.out" 2>&1 &
job1=$!
until_true "web01's job is streaming" job_state_is A web01 streaming

# second WHAT DOMAIN: a second migration of DOMAIN to C is refused.
second() {
	what=$1 dom=$2 holder=$3
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -l -p "$(port_of C)" "$dom" 127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
	check "$what: refused, xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$what: xm says the domain is already being migrated" \
	    grep -q "is already being migrated to 127.0.0.1 by job $holder" \
	    "$XM_OUT"
}

uuid=$(field web01 uuid)
second "by domid" "$(field web01 domid)" 1
second "by uuid" "$uuid" 1
second "by upper-case uuid" "$(echo "$uuid" | tr a-f A-F)" 1
second "by name" web01 1
check "the refusal names web01 and its uuid" \
    grep -q "web01 (uuid $uuid)" "$WORK/xm.out"

# A job waiting behind xrelocd-max-migrations holds its domain too.
xm_on A migrate -l -p "$(port_of B)" web02 127.0.0.1 \
    >"$WORK/job2.out" 2>&1 &
job2=$!
until_true "web02's job is queued" job_state_is A web02 queued
second "queued, by domid" "$(field web02 domid)" 2

bg_wait "$job1" "job 1" "$WORK/job1.out"
rc1=$BG_RC
bg_wait "$job2" "job 2" "$WORK/job2.out"
rc2=$BG_RC
check "web01's own job moved it (exit 0)" [ "$rc1" -eq 0 ]
check "web02's own job moved it (exit 0)" [ "$rc2" -eq 0 ]
check "web01 runs exactly once, on B" runs_only_on B web01
check "web02 runs exactly once, on B" runs_only_on B web02
no_domains() { [ -z "$(sim_on "$1" list | awk 'NR > 1')" ]; }
check "C never got a domain" no_domains C

# xm recover while the job holds web01--migratedaway, just before GO: the
# job owns the domain, so recover refuses and the job finishes the move.
if [ "${XRELOCD_FAULT_INJECTION:-yes}" = yes ]; then
	teardown
	rm -rf "$WORK/A" "$WORK/B"
	export XRELOCD_FAULT_RELEASE="$WORK/release"
	FAULT="src-go:wait" start_host A
	start_host B
	sim_on A create web03 --memory 32 --dirty-rate 5 >/dev/null
	xm_on A migrate -l -p "$(port_of B)" web03 127.0.0.1 \
	    >"$WORK/job3.out" 2>&1 &
	job3=$!
	until_true "web03 is renamed away before GO" \
	    has_domain A web03--migratedaway
	set +e
	xm_on A recover web03 >"$WORK/recover.out" 2>&1
	rc=$?
	set -e
	sed 's/^/    xm recover: /' "$WORK/recover.out"
	check "recover during the handover: refused, exit 1" [ "$rc" -eq 1 ]
	check "recover during the handover: names the job" \
	    grep -q "is being handed over to 127.0.0.1 by job 1" \
	    "$WORK/recover.out"
	touch "$XRELOCD_FAULT_RELEASE"
	set +e
	wait "$job3"
	rc3=$?
	set -e
	check "the job then moved web03 (exit 0)" [ "$rc3" -eq 0 ]
	check "web03 runs exactly once, on B" runs_only_on B web03
fi

finish
