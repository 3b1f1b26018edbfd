#!/bin/sh
# The Debian package, as CI builds it: dpkg-buildpackage -us -uc -b on a
# clean copy of the tree (the files git knows, or the unpacked tarball's;
# never _build/), lintian on the .changes (the .deb and the .buildinfo),
# then the package unpacked into a scratch root with dpkg -x and run from
# there: xrelocd -n on the sample configuration (and on a broken one, which
# must fail), xm help, the files, the conffile, the unit.
#
# XRELOCD_PACKAGE_INSTALL=1 (root only; .ci/run sets it on its disposable
# machine) also installs the package for real with dpkg -i, runs the same
# from /usr, checks the unit is enabled and not started (no configuration
# yet), then purges it.  Without it the system is left as it was: on a
# shared machine a real install would put /usr/sbin/xrelocd under every
# other build's feet.
#
# Output goes to _build-deb (or $XRELOCD_PACKAGE_DIR).  Runs in about a
# minute on two idle cores: the package build compiles the tree once more
# and runs only the Check suites (debian/rules).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=${XRELOCD_PACKAGE_DIR:-$top/_build-deb}

log() { echo "package: $*"; }
fail() { echo "package: FAILED: $*" >&2; exit 1; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
apt_install() {
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@" -y -qq \
	    --no-install-recommends >/dev/null
}

# A clean copy: what git tracks plus new files it does not ignore (so a
# change not yet committed is tested too), or the whole tree of a tarball.
rm -rf "$work"
mkdir -p "$work/src"
src=$work/src
if [ -d "$top/.git" ] || [ -f "$top/.git" ]; then
	git -C "$top" ls-files -z -c -o --exclude-standard |
	    (cd "$top" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
	    tar -C "$src" -xf -
else
	(cd "$top" && tar --exclude='./_build*' --exclude='./debian/xrelocd' \
	    -cf - .) | tar -C "$src" -xf -
fi
[ -f "$src/debian/control" ] || fail "no debian/control in $top"
# A native package: its version is configure.ac's.
upver=$(sed -n 's/^AC_INIT(\[xrelocd\], \[\([^]]*\)\].*/\1/p' \
    "$src/configure.ac")
debver=$(sed -n '1s/^xrelocd (\([^)]*\)).*/\1/p' "$src/debian/changelog")
if [ -z "$upver" ] || [ "$debver" != "$upver" ]; then
	fail "debian/changelog:1 is version '$debver', configure.ac's AC_INIT \
'$upver': add a debian/changelog entry for $upver"
fi

# The tools, then Build-Depends (apt reads them from debian/control).
missing=""
for p in dpkg-dev debhelper lintian; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	log "installing:$missing"
	# shellcheck disable=SC2086 # the names are words
	apt_install install $missing
fi
if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	log "installing the Build-Depends of debian/control"
	apt_install build-dep "$src"
fi

log "dpkg-buildpackage -us -uc -b"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.out" 2>&1; then
	tail -n 60 "$work/build.out"
	fail "dpkg-buildpackage (whole log: $work/build.out)"
fi
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$work/build.out" || true
deb=$(ls "$work"/xrelocd_*.deb)
changes=$(ls "$work"/xrelocd_*.changes)

# Errors and warnings fail; what is accepted is in
# debian/xrelocd.lintian-overrides with the reason.
log "lintian $(basename "$changes")"
lint=0
lintian --fail-on error,warning --info "$changes" >"$work/lintian.out" 2>&1 ||
    lint=1
grep -v '^running with root privileges' "$work/lintian.out" || true
[ $lint -eq 0 ] || fail "lintian (above)"

# The files a host needs, where Debian and Xen look for them.
root=$work/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$root/DEBIAN"
for f in usr/sbin/xrelocd usr/bin/xm usr/sbin/xrelocd-firewall \
    usr/sbin/xrelocd-etherip usr/sbin/xrelocd-sim \
    etc/xen/scripts/xrelocd-tunnel; do
	[ -x "$root/$f" ] || fail "the package lacks the program /$f"
done
for f in etc/xen/scripts/reloc-common.sh etc/xen/xend-config.sxp.sample \
    lib/systemd/system/xrelocd.service usr/share/man/man8/xrelocd.8.gz \
    usr/share/man/man1/xm.1.gz usr/share/man/man5/xend-config.sxp.5.gz \
    usr/share/man/man8/xrelocd-firewall.8.gz \
    usr/share/man/man8/xrelocd-tunnel.8.gz; do
	[ -f "$root/$f" ] || fail "the package lacks /$f"
done
grep -q -x /etc/xen/xend-config.sxp.sample "$root/DEBIAN/conffiles" ||
    fail "/etc/xen/xend-config.sxp.sample is not a conffile"
# Enabled at install, started only once the admin wrote the config.
grep -q "deb-systemd-helper enable 'xrelocd.service'" \
    "$root/DEBIAN/postinst" || fail "postinst does not enable the unit"
grep -q -x 'ConditionPathExists=/etc/xen/xend-config.sxp' \
    "$root/lib/systemd/system/xrelocd.service" ||
    fail "the unit would start without /etc/xen/xend-config.sxp"

# Run the programs: xrelocd -n must accept the sample and refuse a broken
# file, naming it; xm help must print its usage.
run_programs() {
	sbin=$1 bin=$2 conf=$3
	out=$("$sbin/xrelocd" -n -f "$conf" 2>&1) ||
	    fail "xrelocd -n -f $conf: $out"
	log "xrelocd -n -f $conf: $out"
	printf '(xend-relocation-server yes\n' >"$work/broken.sxp"
	if out=$("$sbin/xrelocd" -n -f "$work/broken.sxp" 2>&1); then
		fail "xrelocd -n accepted a broken configuration"
	fi
	echo "$out" | grep -q "broken.sxp:1:1" ||
	    fail "xrelocd -n did not name the place of the error: $out"
	out=$("$bin/xm" help 2>&1) || fail "xm help: $out"
	echo "$out" | grep -q '^usage: xm' || fail "xm help printed: $out"
	log "xm help: $(echo "$out" | head -n 1)"
}
log "scratch root $root (dpkg -x)"
run_programs "$root/usr/sbin" "$root/usr/bin" \
    "$root/etc/xen/xend-config.sxp.sample"

if [ "${XRELOCD_PACKAGE_INSTALL:-0}" != 1 ]; then
	log "not installed for real (XRELOCD_PACKAGE_INSTALL=1 does it)"
	log "passed: $deb"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "XRELOCD_PACKAGE_INSTALL=1 needs root"
if dpkg-query -W -f='${Status}' xrelocd 2>/dev/null | grep -q installed; then
	fail "xrelocd is installed already: not replacing it"
fi
# With a configuration in place the postinst would start a daemon.
[ ! -e /etc/xen/xend-config.sxp ] ||
    fail "/etc/xen/xend-config.sxp exists: the install would start xrelocd"

# Purge removes the default state directory: it must be ours to remove.
[ ! -e /var/lib/xrelocd ] ||
    fail "/var/lib/xrelocd exists: purging the package would remove it"

purge() { dpkg -P xrelocd >/dev/null 2>&1 || true; }
trap purge EXIT
log "dpkg -i $(basename "$deb")"
dpkg -i "$deb" >"$work/install.out" 2>&1 ||
    { cat "$work/install.out"; fail "dpkg -i (dependencies: apt-get -f install)"; }
run_programs /usr/sbin /usr/bin /etc/xen/xend-config.sxp.sample
# deb-systemd-helper enables the unit whether systemd runs or not (in a
# container it does not); a running systemd must not have started it.
wants=/etc/systemd/system/multi-user.target.wants/xrelocd.service
[ -L $wants ] || fail "xrelocd.service is not enabled after install"
if [ -d /run/systemd/system ]; then
	! systemctl -q is-active xrelocd.service ||
	    fail "xrelocd.service runs without a configuration"
	log "xrelocd.service enabled, not started (no configuration)"
else
	log "xrelocd.service enabled (systemd is not running here)"
fi
# The daemon would have journalled there (StateDirectory=xrelocd).
mkdir -m 0700 /var/lib/xrelocd
: >/var/lib/xrelocd/0.source
dpkg -P xrelocd >"$work/purge.out" 2>&1 ||
    { cat "$work/purge.out"; fail "dpkg -P xrelocd"; }
trap - EXIT
if [ -e /etc/xen/xend-config.sxp.sample ] || [ -e /usr/sbin/xrelocd ] ||
    [ -L $wants ] || [ -e /var/lib/xrelocd ]; then
	fail "dpkg -P left files behind"
fi
log "installed, run and purged"
log "passed: $deb"
