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
 * A JOIN in place of HELLO: an extra stream of a migration that another
 * worker of this host receives.  It is not a migration: no record, no
 * admission.  The migration's worker listens on a UNIX socket named by
 * its id (migrate_lanes.c); this worker asks it there with the lane and
 * the token.  A plain connection is passed over (SCM_RIGHTS) and this
 * worker ends; a TLS one stays here, and this worker relays its
 * decrypted bytes to that socket until the lane ends, so that TLS takes
 * a core of its own.  A JOIN that matches nothing gets an ERROR.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"

#define RELAY_BUF	(256 * 1024)

struct join {
	struct reloc_chan		*chan;
	const struct reloc_target_opts	*o;
	const char			*id;
	unsigned			 lane;
	const char			*token;
	int				 ufd;	/* the migration's */
};

static int
join_parse(struct join *j, const struct reloc_sxp *msg)
{
	const char	*lane = reloc_sxp_value(msg, "lane");
	char		*end;
	unsigned long	 k;

	j->id = reloc_sxp_value(msg, "migration");
	j->token = reloc_sxp_value(msg, "token");
	if (lane == NULL || j->id == NULL || j->token == NULL ||
	    !reloc_domain_uuid_valid(j->id) ||
	    strlen(j->token) != RELOC__TOKEN_HEX)
		return RELOC_ERR_PROTO;
	k = strtoul(lane, &end, 10);
	if (*lane == '\0' || *end != '\0' || k < 1 || k >= RELOC_STREAMS_MAX)
		return RELOC_ERR_PROTO;
	j->lane = (unsigned)k;
	return 0;
}

/* Connect to the migration's socket: ENOENT when none waits for lanes. */
static int
join_connect(struct join *j)
{
	struct sockaddr_un	sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (j->o->lane_dir == NULL ||
	    (size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.lane",
	    j->o->lane_dir, j->id) >= sizeof(sun.sun_path))
		return RELOC_ERR_NOENT;
	if ((j->ufd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return reloc__errno_to_err(errno);
	if (connect(j->ufd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return RELOC_ERR_NOENT;
	return 0;
}

/* The request, with the connection itself when it is plain; the answer. */
static int
join_ask(struct join *j, bool pass)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}			 cm;
	struct reloc__join_req	 req;
	struct iovec		 iov = { &req, sizeof(req) };
	struct msghdr		 msg = { .msg_iov = &iov,
				    .msg_iovlen = 1 };
	struct pollfd		 pfd = { j->ufd, POLLIN, 0 };
	int			 fd = reloc_chan_fd(j->chan);
	char			 c = 'n';

	memcpy(req.magic, "XRLJ", 4);
	req.lane = j->lane;
	memcpy(req.token, j->token, RELOC__TOKEN_HEX);
	if (pass) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.hdr), &fd, sizeof(int));
	}
	if (sendmsg(j->ufd, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(req) ||
	    poll(&pfd, 1, j->o->timeout_ms) != 1 || read(j->ufd, &c, 1) != 1)
		return RELOC_ERR_IO;
	return c == 'y' ? 0 : RELOC_ERR_DENIED;
}

static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return RELOC_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The lane's bytes, decrypted, to the migration's socket until the source
 * closes it (0), the migration closes its end, or either fails.
 */
static int
join_relay(struct join *j, uint8_t *buf)
{
	struct reloc_tls	*t = reloc_chan_tls(j->chan);
	struct pollfd		 pfd[2];
	size_t			 n;
	short			 events = POLLIN;
	int			 rc;

	for (;;) {
		rc = reloc_tls_read(t, buf, RELAY_BUF, &n, &events);
		if (rc == 0 && (rc = write_all(j->ufd, buf, n)) == 0)
			continue;
		if (rc == RELOC_ERR_CLOSED) {
			shutdown(j->ufd, SHUT_WR);
			return 0;
		}
		if (rc != RELOC_ERR_AGAIN)
			return rc;
		pfd[0] = (struct pollfd){ reloc_chan_fd(j->chan), events, 0 };
		pfd[1] = (struct pollfd){ j->ufd, POLLIN, 0 };
		if ((rc = poll(pfd, 2, j->o->timeout_ms)) == 0)
			return RELOC_ERR_TIMEOUT;
		/* The migration never writes here: readable is its end. */
		if (rc < 0 || pfd[1].revents != 0)
			return rc < 0 && errno == EINTR ? 0 : RELOC_ERR_CLOSED;
	}
}

/* The joined lane: its echo to the source, then relayed or handed over. */
static int
join_serve(struct join *j)
{
	struct reloc_sxp	*msg = NULL;
	uint8_t			*buf;
	int			 rc;

	if ((rc = reloc__msg_new(RELOC_MSG_JOIN, &msg)) < 0 ||
	    (rc = reloc_sxp_add_u64(msg, "lane", j->lane)) < 0 ||
	    (rc = reloc_chan_send(j->chan, RELOC_MSG_JOIN, msg)) < 0)
		goto out;
	if (j->o->joined != NULL)
		j->o->joined(j->o->joined_arg, NULL);
	if (reloc_chan_tls(j->chan) == NULL)
		goto out;
	if ((buf = malloc(RELAY_BUF)) == NULL) {
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	log_info("migrate", "stream %u of migration %s from %s: relaying "
	    "its tls", j->lane + 1, j->id, reloc_chan_peer(j->chan));
	if ((rc = join_relay(j, buf)) < 0)
		log_warnx("migrate", "stream %u of migration %s from %s: the "
		    "relay stopped: %s", j->lane + 1, j->id,
		    reloc_chan_peer(j->chan), reloc_strerror(rc));
	free(buf);
out:
	reloc_sxp_free(msg);
	return rc;
}

int
reloc__lane_join(struct reloc_chan *chan, const struct reloc_target_opts *o,
    const struct reloc_sxp *msg)
{
	struct join	j = { .chan = chan, .o = o, .ufd = -1 };
	char		why[256];
	int		rc;

	if ((rc = join_parse(&j, msg)) < 0)
		snprintf(why, sizeof(why), "malformed JOIN");
	else if ((rc = join_connect(&j)) < 0 ||
	    (rc = join_ask(&j, reloc_chan_tls(chan) == NULL)) < 0)
		snprintf(why, sizeof(why), "JOIN of stream %u for migration "
		    "%s, which takes no such stream here", j.lane + 1, j.id);
	if (rc < 0) {
		reloc_chan_send_error(chan, RELOC_ERR_DENIED, "no migration "
		    "here takes this stream");
		if (o->joined != NULL)
			o->joined(o->joined_arg, why);
		else
			log_warnx("migrate", "%s: %s", reloc_chan_peer(chan),
			    why);
	} else
		rc = join_serve(&j);
	if (j.ufd != -1)
		close(j.ufd);
	return rc;
}
