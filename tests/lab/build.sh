#!/bin/bash
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
# Builds the cached lab image from Debian packages: the Xen hypervisor,
# the dom0 kernel and initramfs, and an ext4 dom0 root file system that
# also holds the guest kernel and its busybox initramfs.  Everything in
# this file and in image/ is part of the cache key.

# What dom0 runs: Xen's tools, ssh for xl's own migration transport, the
# libraries xrelocd and xm link against (same Debian packages as the host
# that builds them), and busybox for the guest initramfs.
LAB_SUITE=bookworm
LAB_XENVER=4.17
LAB_DOM0_PKGS="linux-image-amd64 xen-hypervisor-4.17-amd64 xen-utils-4.17 \
xen-utils-common xenstore-utils openssh-server openssh-client iproute2 \
procps kmod udev systemd-sysv busybox-static \
libevent-2.1-7 libxml2 libxxhash0 libssl3 openssl libzstd1 liblz4-1"
LAB_IMG_SIZE=2G

# The chroot must see the security suite too: the hypervisor and the
# tools must be the same build as the host's libxen-dev.
build_sources()
{
	local r=$1

	rm -f "$r/etc/apt/sources.list"
	if [ -e /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources \
		    "$r/etc/apt/sources.list.d/"
		return 0
	fi
	cat > "$r/etc/apt/sources.list" <<EOS
deb $LAB_MIRROR $LAB_SUITE main
deb $LAB_MIRROR $LAB_SUITE-updates main
deb http://deb.debian.org/debian-security $LAB_SUITE-security main
EOS
}

build_umount()
{
	local r=$1 m

	for m in var/cache/apt/archives proc; do
		if mountpoint -q "$r/$m"; then
			umount "$r/$m"
		fi
	done
}

build_rootfs()
{
	local r=$1

	mkdir -p "$LAB_CACHE/debs" "$LAB_CACHE/apt"
	debootstrap --variant=minbase --cache-dir="$LAB_CACHE/debs" \
	    "$LAB_SUITE" "$r" "$LAB_MIRROR" >&2
	build_sources "$r"
	# Never start services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
	chmod 755 "$r/usr/sbin/policy-rc.d"
	# A small dom0 initramfs: it only has to mount /dev/vda.
	mkdir -p "$r/etc/initramfs-tools/conf.d"
	echo MODULES=list > "$r/etc/initramfs-tools/conf.d/lab.conf"
	printf 'virtio_pci\nvirtio_blk\next4\n' \
	    >> "$r/etc/initramfs-tools/modules"
	mount -t proc proc "$r/proc"
	# Downloaded packages survive a rebuild of the image.
	mount --bind "$LAB_CACHE/apt" "$r/var/cache/apt/archives"
	chroot "$r" /usr/bin/env DEBIAN_FRONTEND=noninteractive LANG=C \
	    sh -c "apt-get update && apt-get -y upgrade &&
	    apt-get install -y --no-install-recommends $LAB_DOM0_PKGS" >&2 ||
	    { build_umount "$r"; return 1; }
	build_umount "$r"
	rm -f "$r/usr/sbin/policy-rc.d"
}

# Host names and addresses on the lab's L2 segment (link-local: the
# segment exists only between the two QEMUs).
build_net_files()
{
	local r=$1

	cat > "$r/etc/hosts" <<'EOS'
127.0.0.1	localhost
169.254.77.1	laba
169.254.77.2	labb
EOS
	echo lab > "$r/etc/hostname"
	echo '/dev/vda / ext4 rw,errors=remount-ro 0 0' > "$r/etc/fstab"
	# Empty: each boot gets its own machine-id, hence its own bridge
	# MAC.  A shared one gives both hosts the same xenbr0 address.
	: > "$r/etc/machine-id"
}

# Root logs in without a password on the dom0 console (lab.sh shell),
# and root on one lab host reaches the other by ssh (xl migrate).
build_access()
{
	local r=$1 d

	chroot "$r" passwd -d root >/dev/null
	# hvc0 is the Xen console (serial log); hvc1 is QEMU's virtio
	# console, a socket on the host for a shell during a run.
	d=$r/etc/systemd/system
	mkdir -p "$d/serial-getty@.service.d" "$d/getty.target.wants"
	cat > "$d/serial-getty@.service.d/autologin.conf" <<'EOS'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud %I 115200 $TERM
EOS
	ln -sf /lib/systemd/system/serial-getty@.service \
	    "$d/getty.target.wants/serial-getty@hvc1.service"
	mkdir -p "$r/root/.ssh"
	chmod 700 "$r/root/.ssh"
	chroot "$r" ssh-keygen -q -t ed25519 -N '' -C lab \
	    -f /root/.ssh/id_ed25519
	cp "$r/root/.ssh/id_ed25519.pub" "$r/root/.ssh/authorized_keys"
	cat > "$r/root/.ssh/config" <<'EOS'
Host *
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
	ConnectTimeout 10
	BatchMode yes
EOS
	chmod 600 "$r/root/.ssh/authorized_keys" "$r/root/.ssh/config"
}

build_services()
{
	local r=$1 t

	# Timers that would steal the single emulated CPU mid-test.
	for t in apt-daily-upgrade apt-daily dpkg-db-backup e2scrub_all \
	    fstrim; do
		rm -f "$r/etc/systemd/system/timers.target.wants/$t.timer"
	done
	rm -f "$r/etc/systemd/system/multi-user.target.wants/e2scrub_reap.service"
	# Guest consoles also go to /var/log/xen/console/guest-NAME.log.
	echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' \
	    >> "$r/etc/default/xen"
	mkdir -p "$r/var/log/xen/console"
	install -m 755 "$LAB_SRC/image/lab-boot" "$r/usr/local/sbin/lab-boot"
	install -m 644 "$LAB_SRC/image/lab.service" \
	    "$r/etc/systemd/system/lab.service"
	ln -sf /etc/systemd/system/lab.service \
	    "$r/etc/systemd/system/multi-user.target.wants/lab.service"
}

# The guest: dom0's own kernel and a busybox initramfs whose init prints
# a counter on the console every second.
build_guest()
{
	local r=$1 k=$2 g d

	g=$r/var/lib/xrelocd-lab/guest
	mkdir -p "$g"
	cp "$k" "$g/vmlinuz"
	d=$(mktemp -d)
	mkdir -p "$d/bin" "$d/proc" "$d/sys" "$d/dev"
	cp "$r/bin/busybox" "$d/bin/busybox"
	install -m 755 "$LAB_SRC/image/guest-init" "$d/init"
	(cd "$d" && find . | cpio -o -H newc 2>/dev/null) | gzip -9 \
	    > "$g/initrd.gz"
	rm -rf "$d"
}

# Xen's boot image gunzipped is an ELF32 multiboot file, which QEMU's
# -kernel loads directly.
build_boot()
{
	local r=$1 out=$2 k

	k=$(find "$r/boot" -name 'vmlinuz-*' | sort -V | tail -n 1)
	cp "$k" "$out/vmlinuz"
	cp "$r/boot/initrd.img-${k##*/vmlinuz-}" "$out/initrd.img"
	zcat "$r/boot/xen-$LAB_XENVER-amd64.gz" > "$out/xen"
	[ "$(od -An -tx1 -j4 -N1 "$out/xen" | tr -d ' ')" = 01 ] ||
	    lab_fatal "$out/xen is not an ELF32 multiboot image"
	cp "$r/boot/xen-$LAB_XENVER-amd64.config" "$out/xen.config"
	echo "$k"
}

build_all()
{
	local out=$1 r=$1/rootfs k

	lab_log "debootstrap $LAB_SUITE from $LAB_MIRROR into $r"
	build_rootfs "$r"
	build_net_files "$r"
	build_access "$r"
	build_services "$r"
	k=$(build_boot "$r" "$out" | tail -n 1)
	build_guest "$r" "$k"
	chroot "$r" dpkg-query -W > "$out/packages.txt"
	lab_log "making the dom0 image ($LAB_IMG_SIZE, sparse)"
	mke2fs -q -t ext4 -L labroot -d "$r" "$out/dom0.img" "$LAB_IMG_SIZE"
	rm -rf "$r"
}

# Builds the image for the current key unless the cache has it.  The
# build goes to a temporary directory renamed into place at the end, so
# an interrupted build is never used.
build_image()
{
	local dir tmp old

	dir=$(lab_imgdir)
	[ -e "$dir/complete" ] && { echo "$dir"; return 0; }
	[ "$(id -u)" = 0 ] || lab_fatal "building the lab image needs root"
	lab_deps
	mkdir -p "$LAB_CACHE"
	exec 9> "$LAB_CACHE/lock"
	flock 9
	if [ ! -e "$dir/complete" ]; then
		tmp=$dir.tmp
		if [ -d "$tmp/rootfs" ]; then
			build_umount "$tmp/rootfs"
		fi
		rm -rf "$tmp"
		mkdir -p "$tmp"
		# Only the image's path goes to stdout.
		build_all "$tmp" >&2
		date -u +%FT%TZ > "$tmp/complete"
		# Only the newest image is kept; packages stay cached.
		for old in "$LAB_CACHE"/img-*; do
			if [ -d "$old" ] && [ "$old" != "$tmp" ]; then
				rm -rf "$old"
			fi
		done
		mv "$tmp" "$dir"
		lab_log "image ready in $dir"
	fi
	exec 9>&-
	echo "$dir"
}
