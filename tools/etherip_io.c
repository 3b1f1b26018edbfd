/*
 * Copyright (c) 2026 The xrelocd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The endpoint's data path: the TAP device, the raw protocol-97 socket and
 * the poll loop that moves frames between them, in batches of up to
 * ETHERIP_BATCH packets per system call on the socket side.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "etherip.h"

#define ETHERIP_BATCH	32
/* Room for an IPv4 header with options, the EtherIP header and a frame. */
#define SLOT_SIZE	(60 + ETHERIP_HLEN + ETHERIP_FRAME_MAX)
#define SOCK_BUF	(4 * 1024 * 1024)

struct batch {
	struct mmsghdr		 msgs[ETHERIP_BATCH];
	struct iovec		 iov[ETHERIP_BATCH];
	struct sockaddr_storage	 from[ETHERIP_BATCH];
	uint8_t			*buf;
};

static int
tap_set_up(const char *name)
{
	struct ifreq	ifr;
	int		s, r;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if ((r = ioctl(s, SIOCGIFFLAGS, &ifr)) == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return r;
}

int
etherip_tap_open(const char *name)
{
	struct ifreq	ifr;
	int		fd;

	if (strlen(name) >= IFNAMSIZ) {
		etherip_log(LOG_ERR, "tap name %s: longer than %d", name,
		    IFNAMSIZ - 1);
		return -1;
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) ==
	    -1) {
		etherip_log(LOG_ERR, "open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		etherip_log(LOG_ERR, "tap %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (tap_set_up(name) == -1)
		etherip_log(LOG_WARNING, "tap %s: set up: %s", name,
		    strerror(errno));
	return fd;
}

static void
sock_tune(int fd, int family)
{
	int	buf = SOCK_BUF, r;
	int	dont = IP_PMTUDISC_DONT, dont6 = IPV6_PMTUDISC_DONT;

	/*
	 * Let the kernel fragment the outer packet rather than drop a frame
	 * the helper's MTU did not foresee: slow beats silently lost.
	 */
	if (family == AF_INET)
		r = setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &dont,
		    sizeof(dont));
	else
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &dont6,
		    sizeof(dont6));
	if (r == -1)
		etherip_log(LOG_WARNING, "mtu discovery off: %s",
		    strerror(errno));
	/* The FORCE variants ignore rmem_max; fall back when not allowed. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
}

int
etherip_sock_open(const struct etherip_addr *local,
    const struct etherip_addr *remote)
{
	int	fd;

	fd = socket(remote->family, SOCK_RAW | SOCK_CLOEXEC, ETHERIP_IPPROTO);
	if (fd == -1) {
		etherip_log(LOG_ERR, "raw socket (protocol %d): %s",
		    ETHERIP_IPPROTO, strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&local->ss, local->len) == -1) {
		etherip_log(LOG_ERR, "bind local address: %s",
		    strerror(errno));
		goto fail;
	}
	/* A connected raw socket only receives from the peer's address. */
	if (connect(fd, (const struct sockaddr *)&remote->ss, remote->len) ==
	    -1) {
		etherip_log(LOG_ERR, "connect remote address: %s",
		    strerror(errno));
		goto fail;
	}
	sock_tune(fd, remote->family);
	return fd;
fail:
	close(fd);
	return -1;
}

/* Read up to a batch of frames from the TAP; returns how many, or -1. */
static int
tap_read_batch(struct etherip_tun *t, struct batch *b)
{
	uint8_t	*p;
	ssize_t	 len;
	int	 n;

	for (n = 0; n < ETHERIP_BATCH; n++) {
		p = b->buf + (size_t)n * SLOT_SIZE;
		len = read(t->tapfd, p + ETHERIP_HLEN, ETHERIP_FRAME_MAX);
		if (len == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (len == -1) {
			etherip_log(LOG_ERR, "tap read: %s", strerror(errno));
			return -1;
		}
		etherip_hdr_encode(p);
		b->iov[n].iov_base = p;
		b->iov[n].iov_len = (size_t)len + ETHERIP_HLEN;
		memset(&b->msgs[n], 0, sizeof(b->msgs[n]));
		b->msgs[n].msg_hdr.msg_iov = &b->iov[n];
		b->msgs[n].msg_hdr.msg_iovlen = 1;
	}
	return n;
}

static int
tap_to_net(struct etherip_tun *t, struct batch *b)
{
	int	n, i, j, r;

	if ((n = tap_read_batch(t, b)) <= 0)
		return n;
	for (i = 0; i < n; i += r) {
		r = sendmmsg(t->sockfd, b->msgs + i, (unsigned)(n - i), 0);
		if (r == -1) {
			/* Skip the frame the kernel refused; keep the rest. */
			t->st.tx_errors++;
			r = 1;
			continue;
		}
		for (j = i; j < i + r; j++) {
			t->st.tx_frames++;
			t->st.tx_bytes += b->iov[j].iov_len - ETHERIP_HLEN;
		}
	}
	return n;
}

static void
net_deliver(struct etherip_tun *t, struct msghdr *mh, size_t len)
{
	const uint8_t	*p = mh->msg_iov->iov_base;
	size_t		 off = 0;
	enum etherip_pkt v;

	if (!etherip_addr_match(&t->remote, mh->msg_name, mh->msg_namelen))
		v = ETHERIP_PKT_PEER;
	else if (mh->msg_flags & MSG_TRUNC)
		v = ETHERIP_PKT_SHORT;
	else if (t->remote.family == AF_INET &&
	    (v = etherip_ipv4_decode(p, len, &off)) != ETHERIP_PKT_OK)
		;
	else
		v = etherip_hdr_decode(p + off, len - off);
	if (v != ETHERIP_PKT_OK) {
		t->st.rx_drop[v]++;
		return;
	}
	off += ETHERIP_HLEN;
	if (write(t->tapfd, p + off, len - off) == -1) {
		t->st.rx_errors++;
		return;
	}
	t->st.rx_frames++;
	t->st.rx_bytes += len - off;
}

static void
net_to_tap(struct etherip_tun *t, struct batch *b)
{
	int	i, n;

	for (i = 0; i < ETHERIP_BATCH; i++) {
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->iov[i].iov_base = b->buf + (size_t)i * SLOT_SIZE;
		b->iov[i].iov_len = SLOT_SIZE;
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_name = &b->from[i];
		b->msgs[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
	}
	n = recvmmsg(t->sockfd, b->msgs, ETHERIP_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		/* ICMP errors surface here on a connected socket: count. */
		if (errno != EAGAIN && errno != EINTR)
			t->st.rx_errors++;
		return;
	}
	for (i = 0; i < n; i++)
		net_deliver(t, &b->msgs[i].msg_hdr, b->msgs[i].msg_len);
}

void
etherip_stats_log(const struct etherip_stats *st, int pri)
{
	etherip_log(pri, "stats: tx %" PRIu64 " frames %" PRIu64 " bytes %"
	    PRIu64 " errors; rx %" PRIu64 " frames %" PRIu64 " bytes %"
	    PRIu64 " errors; dropped %" PRIu64 " short %" PRIu64 " version %"
	    PRIu64 " reserved %" PRIu64 " runt %" PRIu64 " badip %" PRIu64
	    " peer", st->tx_frames, st->tx_bytes, st->tx_errors,
	    st->rx_frames, st->rx_bytes, st->rx_errors,
	    st->rx_drop[ETHERIP_PKT_SHORT], st->rx_drop[ETHERIP_PKT_VERSION],
	    st->rx_drop[ETHERIP_PKT_RESERVED], st->rx_drop[ETHERIP_PKT_RUNT],
	    st->rx_drop[ETHERIP_PKT_BADIP], st->rx_drop[ETHERIP_PKT_PEER]);
}

/* Returns 1 when the loop should stop, 0 otherwise. */
static int
handle_signal(struct etherip_tun *t, int sigfd)
{
	struct signalfd_siginfo	si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			etherip_stats_log(&t->st, LOG_INFO);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			etherip_log(LOG_INFO, "signal %u: exiting",
			    si.ssi_signo);
			return 1;
		}
	}
	return 0;
}

static int
signal_fd(void)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
run_loop(struct etherip_tun *t, int sigfd, struct batch *b)
{
	struct pollfd	pfd[3];

	pfd[0].fd = t->tapfd;
	pfd[1].fd = t->sockfd;
	pfd[2].fd = sigfd;
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	for (;;) {
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			etherip_log(LOG_ERR, "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[2].revents && handle_signal(t, sigfd))
			return 0;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			etherip_log(LOG_ERR, "tap device went away");
			return -1;
		}
		if ((pfd[0].revents & POLLIN) && tap_to_net(t, &b[0]) == -1)
			return -1;
		if (pfd[1].revents)
			net_to_tap(t, &b[1]);
	}
}

int
etherip_run(struct etherip_tun *t)
{
	struct batch	*b = NULL;
	int		 sigfd = -1, r = -1;

	if ((sigfd = signal_fd()) == -1) {
		etherip_log(LOG_ERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	if ((b = calloc(2, sizeof(*b))) == NULL ||
	    (b[0].buf = malloc((size_t)ETHERIP_BATCH * SLOT_SIZE)) == NULL ||
	    (b[1].buf = malloc((size_t)ETHERIP_BATCH * SLOT_SIZE)) == NULL) {
		etherip_log(LOG_ERR, "out of memory");
		goto out;
	}
	r = run_loop(t, sigfd, b);
	etherip_stats_log(&t->st, LOG_INFO);
out:
	if (b != NULL) {
		free(b[0].buf);
		free(b[1].buf);
		free(b);
	}
	if (sigfd != -1)
		close(sigfd);
	return r;
}
