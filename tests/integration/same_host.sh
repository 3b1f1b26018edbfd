#!/bin/sh
#
# Copyright (c) 2026 The xrelocd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Migration to the same host, as `xl migrate dom localhost` does: the
# daemon connects to its own relocation port, knows from the host uuid in
# HELLO that the peer is itself, and the name and uuid prechecks ignore
# the domain that is moving (and only that one).  Afterwards exactly one
# copy runs, under a new domain id, with the same uuid, the memory equal
# byte for byte and the counter carried on.  Between two hosts the name
# check still refuses a different domain of the same name.  A worker that
# dies before GO leaves the old copy running and nothing else.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

start_host A

# only_one HOST DOMAIN: one DOMAIN in the sim's list, no renamed copy.
only_one() {
	sim_on "$1" list >"$WORK/list.out"
	n=$(awk -v d="$2" '$1 == d' "$WORK/list.out" | wc -l)
	if [ "$n" -ne 1 ] || grep -q -e "--incoming" -e "--migratedaway" \
	    "$WORK/list.out"; then
		sed 's/^/    list: /' "$WORK/list.out"
		return 1
	fi
}
domid() { sim_on "$1" list | awk -v d="$2" '$1 == d { print $2 }'; }
uuid() { sim_on "$1" info "$2" | sed -n 's/.*(uuid \([^)]*\)).*/\1/p'; }

sim_on A create web01 --memory 64 --dirty-rate 20 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
check "web01 runs on A" runs A web01
u0=$(uuid A web01)
check "A's facts carry a host uuid" sh -c \
    "$SIM -d $WORK/A/sim host | grep -q '(host-uuid [0-9a-f-]\{36\})'"

# same_host_move WHAT [xm options]: migrate web01 from A to A.
same_host_move() {
	what=$1
	shift
	id0=$(domid A web01)
	c0=$(counter A web01)
	migrate A A web01 "$@"
	check "$what: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "$what: exactly one web01 on A, no renamed copy" only_one A web01
	check "$what: web01 runs" runs A web01
	check "$what: a new domain id (was $id0)" \
	    [ "$(domid A web01)" != "$id0" ]
	check "$what: the same uuid" [ "$(uuid A web01)" = "$u0" ]
	check "$what: memory equals itself at pause" memory_equal A A web01
	check "$what: counter carried on" [ "$(counter A web01)" -gt "$c0" ]
}

same_host_move "live" -l
check "live: the target logged the same-host case" \
    grep -q "target from .*: the peer is this host" "$WORK/A/log"
check "live: the source logged the same-host case" \
    grep -q "source web01 to .*: the peer is this host" "$WORK/A/log"
same_host_move "offline"

# By the name localhost, as one would type it.
id1=$(domid A web01)
set +e
xm_on A migrate -p "$(port_of A)" web01 localhost >"$WORK/xm.out" 2>&1
rc=$?
set -e
sed 's/^/    xm: /' "$WORK/xm.out"
check "localhost: xm exits 0" [ "$rc" -eq 0 ]
check "localhost: exactly one web01 on A" only_one A web01
check "localhost: web01 runs" runs A web01
check "localhost: a new domain id (was $id1)" [ "$(domid A web01)" != "$id1" ]

# --check on the same host passes and moves nothing.
id1=$(domid A web01)
migrate A A web01 --check
check "--check: exit 0" [ "$XM_RC" -eq 0 ]
check "--check: web01 untouched" [ "$(domid A web01)" = "$id1" ]
check "--check: one web01" only_one A web01

# Another domain of the same name on ANOTHER host is still refused.
start_host B
sim_on B create web01 --memory 64 >/dev/null
u1=$(uuid B web01)
migrate A B web01 -l
check "other host: xm exits 1" [ "$XM_RC" -eq 1 ]
check "other host: NAME_EXISTS" grep -q "\[NAME_EXISTS\]" "$XM_OUT"
check "other host: web01 still runs on A" runs A web01
check "other host: B's web01 is still its own" [ "$(uuid B web01)" = "$u1" ]
check "other host: one web01 on A" only_one A web01
check "other host: one web01 on B" only_one B web01

# eventually COMMAND...: COMMAND comes to hold, quietly (lib.sh's wait_for).
quietly() { "$@" >/dev/null 2>&1; }
eventually() { wait_for "$*" "$WAIT" quietly "$@"; }

# A worker dies before GO: both workers run in the one daemon, which
# resumes the copy the source worker journaled by its id and destroys
# the incoming one.  Exactly the old copy runs afterwards.
faults="src-stream@50:kill dst-stream@50:kill"
[ "${XRELOCD_FAULT_INJECTION:-yes}" = yes ] || faults=""
for fault in $faults; do
	for h in $HOSTS; do stop_host "$h"; done
	HOSTS=""
	FAULT=$fault start_host A
	id0=$(domid A web01)
	migrate A A web01 -l
	check "$fault: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$fault: one web01 on A, no renamed copy" eventually only_one A web01
	check "$fault: web01 runs" runs A web01
	check "$fault: the old copy, same id" [ "$(domid A web01)" = "$id0" ]
	case $fault in
	src-*) check "$fault: the daemon resumed the copy by its id" \
	    grep -q "resuming web01 (id $id0) as before" "$WORK/A/log" ;;
	esac
done

finish
