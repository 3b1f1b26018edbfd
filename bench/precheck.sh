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
# Precheck round-trip benchmark: a target daemon (sim backend, loopback)
# and bench/precheck_rtt timing N prechecks of one domain against it,
# next to a bare TCP connect + round trip.  sh bench/precheck.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top}"
export top_builddir
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
N=${1:-200}

host_facts hostA "(snapshot no)"
host_facts hostB "(snapshot no)"
start_host hostB
sim_on hostA create web01 --memory 8 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.0.2.10 >/dev/null
"$top_builddir/bench/precheck_rtt" "$WORK/hostA/sim" "$(port_of hostB)" \
    web01 "$N"
finish >/dev/null
