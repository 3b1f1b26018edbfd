#!/bin/sh
# A domain with 22,000 vifs on a bridge the target lacks: the findings
# are coalesced (a few listed, one that counts the rest), so the verdict
# fits a message and the refusal is readable; no failure on either host
# is without its reason, and the domain runs on A alone.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A
start_host B
# One argument each, no blanks: the shell's word splitting is enough.
# shellcheck disable=SC2046
sim_on A create web01 --memory 16 --dirty-rate 1 $(awk 'BEGIN {
	for (i = 0; i < 22000; i++)
		printf "--vif mac=00:16:3e:%02x:%02x:%02x,bridge=br9\n",
		    int(i / 65536), int(i / 256) % 256, i % 256 }') >/dev/null
check "web01 has 22000 vifs" [ "$(sim_on A info web01 | grep -o '(vif ' |
    wc -l)" -eq 22000 ]

migrate A B web01 -l
check "the migration is refused: xm exits 1" [ "$XM_RC" -eq 1 ]
check "xm lists a few of the findings and counts the rest" grep -q \
    "l2: and 21995 more like the above, not listed" "$XM_OUT"
check "xm names the missing bridge" grep -q "br9" "$XM_OUT"
# A failure line that ends at its colon: a reason went missing.
no_empty_reason() {
	! grep -h -E '(nothing kept here|did not move[^:]*):[[:space:]]*$' \
	    "$WORK/A/log" "$WORK/B/log" "$XM_OUT"
}
check "no failure without its reason, on either host or in xm" \
    no_empty_reason
check "web01 runs exactly once, on A" runs_only_on A web01
finish
