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
 * Sim hosts for the tests: two host directories in tmpfs per test, domain
 * creation, a transfer from host A to host B through a socket (optionally
 * through a relay that damages the stream), and a teardown that proves no
 * guest outlives its test.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "hv_sim.h"
#include "simhost.h"

#define MAX_TRACKED	64

pid_t		 suite_pid;
char		*dir_a, *dir_b;
void		*sim_a, *sim_b;
static pid_t	 tracked[MAX_TRACKED];
static size_t	 ntracked;

const struct reloc_hv_ops *ops = &reloc__hv_sim_ops;

char *
dom_file(const char *dir, uint32_t domid, const char *file)
{
	static char	 path[2][4096];
	static int	 i;

	i ^= 1;
	snprintf(path[i], sizeof(path[i]), "%s/dom/%" PRIu32 "/%s", dir,
	    domid, file);
	return path[i];
}

pid_t
guest_pid(const char *dir, uint32_t domid)
{
	FILE	*f;
	long	 pid = -1;

	if ((f = fopen(dom_file(dir, domid, "guest.pid"), "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	return (pid_t)pid;
}

/* Remember a guest so teardown can prove it is gone. */
void
track(const char *dir, uint32_t domid)
{
	pid_t	 pid = guest_pid(dir, domid);

	if (pid > 0 && ntracked < MAX_TRACKED)
		tracked[ntracked++] = pid;
}

bool
pid_running(pid_t pid)
{
	char	 path[64], buf[256], *p;
	FILE	*f;
	bool	 alive = false;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

uint32_t
mkdom(void *sim, const char *dir, const char *name, unsigned mb,
    unsigned rate, bool paused)
{
	struct reloc_domain	 d = { 0 };
	uint32_t		 domid = 0;

	d.name = (char *)(uintptr_t)name;
	d.memory_kb = (uint64_t)mb * 1024;
	d.vcpus = 1;
	d.type = RELOC_DOM_PVH;
	ck_assert_int_eq(reloc__sim_create(sim, &d, rate, paused, &domid), 0);
	ck_assert_uint_gt(domid, 0);
	track(dir, domid);
	return domid;
}

uint64_t
counter(void *sim, uint32_t domid)
{
	uint64_t	 v = 0;

	ck_assert_int_eq(reloc__sim_counter(sim, domid, &v), 0);
	return v;
}

struct past {
	void		*sim;
	uint32_t	 domid;
	uint64_t	 past;
};

static bool
counter_past(void *arg)
{
	struct past	*p = arg;

	return counter(p->sim, p->domid) > p->past;
}

uint64_t
wait_counter_past(void *sim, uint32_t domid, uint64_t past)
{
	struct past	 p = { sim, domid, past };

	ck_assert_msg(wait_until(counter_past, &p, WAIT_MS),
	    "domain %" PRIu32 ": counter still at most %" PRIu64 " after %d s",
	    domid, past, WAIT_MS / 1000);
	return counter(sim, domid);
}

/*
 * A stopped guest does not count, however long we look: so look while a
 * running guest of our own counts 20 ticks.  Both wait for the same CPU,
 * so how busy the machine is does not decide the outcome.
 */
void
assert_still(void *sim, const char *dir, uint32_t domid)
{
	uint64_t	 c = counter(sim, domid);
	uint32_t	 ref;

	ref = mkdom(sim, dir, "still-ref", 1, 0, false);
	wait_counter_past(sim, ref, 20);
	ck_assert_uint_eq(counter(sim, domid), c);
	ck_assert_int_eq(ops->destroy(sim, ref), 0);
}

/* web01 on A, once its guest has counted. */
uint32_t
start_web(unsigned mb, unsigned rate, struct reloc_domain *d)
{
	uint32_t	 id = mkdom(sim_a, dir_a, "web01", mb, rate, false);

	wait_counter_past(sim_a, id, 0);
	ck_assert_int_eq(ops->describe(sim_a, "web01", d), 0);
	return id;
}

void
destroy_all(void *sim)
{
	struct reloc_domain	*doms = NULL;
	size_t			 i, n = 0;

	if (sim == NULL || ops->list(sim, &doms, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		ops->destroy(sim, doms[i].domid);
		reloc_domain_dispose(&doms[i]);
	}
	free(doms);
}

/*
 * Sim hosts live in tmpfs when there is one: guest memory in a disk file
 * can stall its writes behind writeback for longer than the tests wait.
 */
static char *
shm_tmpdir(const char *tag)
{
	char	*path;

	ck_assert_int_ge(asprintf(&path, "%s/xrelocd-sim-%ld-%s-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
	    (long)suite_pid, tag), 0);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

void
setup(void)
{
	log_silence();
	ntracked = 0;
	dir_a = shm_tmpdir("a");
	dir_b = shm_tmpdir("b");
	ck_assert_int_eq(reloc__sim_open_dir(dir_a, &sim_a), 0);
	ck_assert_int_eq(reloc__sim_open_dir(dir_b, &sim_b), 0);
}

void
teardown(void)
{
	size_t	 i;

	destroy_all(sim_a);
	destroy_all(sim_b);
	ops->close(sim_a);
	ops->close(sim_b);
	sim_a = sim_b = NULL;
	/* No guest may outlive the suite. */
	for (i = 0; i < ntracked; i++)
		ck_assert_msg(!pid_running(tracked[i]), "guest %ld leaked",
		    (long)tracked[i]);
	rm_rf(dir_a);
	rm_rf(dir_b);
	free(dir_a);
	free(dir_b);
}

size_t
ndoms(void *sim)
{
	struct reloc_domain	*doms = NULL;
	size_t			 i, n = 0;

	ck_assert_int_eq(ops->list(sim, &doms, &n), 0);
	for (i = 0; i < n; i++)
		reloc_domain_dispose(&doms[i]);
	free(doms);
	return n;
}

/* Nothing left of any domain: no list entry, no directory. */
void
assert_empty(void *sim, const char *dir)
{
	char	 path[4096];
	int	 entries = 0;
	FILE	*p;

	ck_assert_uint_eq(ndoms(sim), 0);
	snprintf(path, sizeof(path), "ls -A '%s/dom' | wc -l", dir);
	ck_assert_ptr_nonnull(p = popen(path, "r"));
	ck_assert_int_eq(fscanf(p, "%d", &entries), 1);
	pclose(p);
	ck_assert_int_eq(entries, 0);
}

bool
same_file(const char *a, const char *b)
{
	char	 cmd[8300];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

/* Keep the last report of each round and phase; count any going back. */
static void
progress_cb(const struct reloc_progress *p, void *arg)
{
	struct xfer		*x = arg;
	struct reloc_progress	*last = NULL;

	if (x->npr > 0)
		last = &x->pr[x->npr - 1];
	x->nreports++;
	if (last != NULL && (p->round < last->round ||
	    p->phase < last->phase || p->sent_bytes < last->sent_bytes))
		x->disorder++;
	if (last != NULL && p->round == last->round &&
	    p->phase == last->phase)
		*last = *p;
	else if (x->npr < sizeof(x->pr) / sizeof(x->pr[0]))
		x->pr[x->npr++] = *p;
	else
		x->overflow = true;
}

static void
relay_main(int from, int to, enum relay mode, uint64_t at)
{
	static char	 buf[65536];
	uint64_t	 off = 0;
	ssize_t		 n;

	/* The restore may give up first: a closed pipe ends the relay. */
	signal(SIGPIPE, SIG_IGN);
	while ((n = read(from, buf, sizeof(buf))) > 0) {
		if (mode == RELAY_FLIP && at >= off && at < off + (uint64_t)n)
			buf[at - off] ^= 0x40;
		if (mode == RELAY_CUT && off + (uint64_t)n >= at)
			n = (ssize_t)(at - off);
		if (n > 0 && write(to, buf, (size_t)n) != n)
			_exit(1);
		off += (uint64_t)n;
		if (mode == RELAY_CUT && off >= at)
			_exit(0);
	}
	_exit(0);
}

/* The caller's stream for a backend that takes one: a socket. */
struct io_sock {
	int		 fd;
	uint64_t	 calls;
};

static int
io_writev(void *arg, const struct iovec *iov, int n)
{
	struct io_sock	*s = arg;
	const uint8_t	*p;
	size_t		 left;
	ssize_t		 r = 0;
	int		 i;

	s->calls++;
	for (i = 0; i < n; i++)
		for (p = iov[i].iov_base, left = iov[i].iov_len; left > 0;
		    p += r, left -= (size_t)r)
			if ((r = write(s->fd, p, left)) <= 0)
				return RELOC_ERR_IO;
	return 0;
}

/* Short reads: at most 3000 bytes, into the first iovec only. */
static ssize_t
io_readv(void *arg, const struct iovec *iov, int n)
{
	struct io_sock	*s = arg;
	ssize_t		 r;

	r = n > 0 ? read(s->fd, iov[0].iov_base, iov[0].iov_len < 3000 ?
	    iov[0].iov_len : 3000) : -1;
	return r >= 0 ? r : RELOC_ERR_IO;
}

static void
restore_main(const struct reloc_domain *dom, int fd, bool io)
{
	struct io_sock			 s = { fd, 0 };
	struct reloc_stream_io		 sio = { io_writev, io_readv, &s };
	struct reloc_restore_params	 p = { .name = "web01--incoming",
					    .io = io ? &sio : NULL };
	uint32_t			 domid;
	int				 rc;

	rc = ops->restore(sim_b, dom, io ? -1 : fd, &p, &domid);
	_exit(rc == 0 ? 0 : -rc);
}

static int
wait_exit(pid_t pid)
{
	int	 status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * Save domid from host A while another process restores it on host B,
 * optionally through a relay that damages the stream.
 */
void
run_xfer(struct xfer *x, uint32_t domid, const struct reloc_domain *dom)
{
	struct reloc_save_params p = { .live = x->live,
				    .max_rounds = x->max_rounds,
				    .progress = progress_cb,
				    .progress_arg = x,
				    .max_downtime_ms = x->max_downtime_ms,
				    .timeout_s = x->timeout_s };
	struct io_sock	 sock;
	struct reloc_stream_io sio = { io_writev, io_readv, &sock };
	int		 s[2], q[2];
	pid_t		 relay = -1, rest;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	q[0] = s[1];
	q[1] = -1;
	if (x->relay != RELAY_NONE) {
		ck_assert_int_eq(pipe(q), 0);
		if ((relay = fork()) == 0) {
			close(s[0]);
			close(q[0]);
			relay_main(s[1], q[1], x->relay, x->at);
		}
		close(s[1]);
		close(q[1]);
	}
	if ((rest = fork()) == 0) {
		close(s[0]);
		restore_main(dom, q[0], x->io);
	}
	close(q[0]);
	sock.fd = s[0];
	sock.calls = 0;
	if (x->io)
		p.io = &sio;
	x->save_rc = ops->save(sim_a, domid, x->io ? -1 : s[0], &p);
	x->io_calls = sock.calls;
	close(s[0]);
	x->restore_status = wait_exit(rest);
	if (relay != -1)
		wait_exit(relay);
}

uint32_t
incoming(void)
{
	uint32_t	 id = 0;

	ck_assert_int_eq(reloc__sim_domid(sim_b, "web01--incoming", &id), 0);
	track(dir_b, id);
	return id;
}

/*
 * A failed test skips its teardown: kill whatever guests its hosts still
 * hold (their pid files) and remove the hosts.
 */
void
sweep(void)
{
	char	 cmd[512];
	int	 r;

	snprintf(cmd, sizeof(cmd), "for f in /dev/shm/xrelocd-sim-%ld-* "
	    "/tmp/xrelocd-sim-%ld-*; do [ -d \"$f\" ] || continue; "
	    "cat \"$f\"/dom/*/guest.pid 2>/dev/null | xargs -r kill -9; "
	    "rm -rf \"$f\"; done", (long)suite_pid, (long)suite_pid);
	r = system(cmd);
	(void)r;
}


static void
put(FILE *f, const void *p, size_t len)
{
	if (len > 0)
		ck_assert_uint_eq(fwrite(p, 1, len, f), len);
}

/* A non-page record of the stream, with its checksum. */
static void
put_small(FILE *f, enum sim_rec_type type, const void *data, size_t len)
{
	struct sim_rec	 r = { htole32(type), 0, 0, htole64(len), 0 };

	r.csum = htole64(reloc__sim_rec_csum(&r, data, len));
	put(f, &r, sizeof(r));
	put(f, data, len);
}

/*
 * A PAGES record of n runs (host order; claim, when not 0, in the header
 * instead of n), each page filled with its number, page `changed` of the
 * record marked changed (and filled with 0xee instead when fill).
 */
static void
put_pages(FILE *f, const struct sim_run *runs, unsigned n, uint64_t claim,
    uint64_t changed, bool fill)
{
	struct sim_rec		 r = { htole32(SIM_REC_PAGES), 0, 0,
				    htole64(n), 0 };
	struct sim_rec_trailer	 t = { { 0 }, 0 };
	struct sim_run		 wire[SIM_REC_MAX_RUNS + 1];
	uint64_t		 h[4 * SIM_REC_MAX_PAGES + SIM_REC_WORDS];
	uint8_t			*data;
	uint64_t		 i, j, k = 0, total = 0;

	ck_assert_uint_le(n, SIM_REC_MAX_RUNS + 1);
	for (i = 0; i < n; i++) {
		wire[i].pfn = htole64(runs[i].pfn);
		wire[i].count = htole64(runs[i].count);
		total += runs[i].count;
	}
	ck_assert_uint_le(total, 4 * SIM_REC_MAX_PAGES);
	ck_assert_ptr_nonnull(data = malloc(total << SIM_PAGE_SHIFT));
	for (i = 0; i < n; i++)
		for (j = 0; j < runs[i].count; j++, k++)
			memset(data + (k << SIM_PAGE_SHIFT), fill ? 0xee :
			    (int)(runs[i].pfn + j), SIM_PAGE_SIZE);
	if (changed < total)
		t.changed[changed / 64] = htole64(1ull << (changed % 64));
	reloc__sim_page_hashes(data, total, h);
	/* A record past SIM_REC_MAX_PAGES has no trailer bits for all its
	 * pages: the target refuses it on its size, before any checksum. */
	if (total <= SIM_REC_MAX_PAGES)
		t.csum = htole64(reloc__sim_pages_csum(&r, wire, h, total,
		    &t));
	if (claim != 0)
		r.count = htole64(claim);
	put(f, &r, sizeof(r));
	put(f, wire, n * sizeof(wire[0]));
	put(f, data, (size_t)total << SIM_PAGE_SHIFT);
	put(f, &t, sizeof(t));
	free(data);
}

/* A ZERO record: pages pfn..pfn+n are all zero. */
static void
put_zero(FILE *f, uint64_t pfn, uint64_t n)
{
	struct sim_rec	 r = { htole32(SIM_REC_ZERO), 0, htole64(pfn),
			    htole64(n), 0 };

	r.csum = htole64(reloc__sim_rec_csum(&r, NULL, 0));
	put(f, &r, sizeof(r));
}

int
crafted_stream(const struct crafted *c)
{
	struct sim_stream_hdr	 sh = { htole64(SIM_STREAM_MAGIC),
				    htole32(c->version != 0 ? c->version :
				    SIM_STREAM_VERSION),
				    htole32(SIM_PAGE_SIZE), htole64(c->pages) };
	uint64_t		 v[SIM_STATE_WORDS] = { htole64(SIM_VCPU_MAGIC),
				    htole64(7), 0, 0 };
	struct sim_run		 all = { 0, c->pages }, one = { c->changed, 1 };
	uint8_t			 b;
	FILE			*f;
	int			 fd;

	ck_assert_ptr_nonnull(f = tmpfile());
	put_small(f, SIM_REC_HEADER, &sh, sizeof(sh));
	if (c->nruns > 0)
		put_pages(f, c->runs, c->nruns, c->claim, c->changed, false);
	else
		put_pages(f, &all, 1, c->claim, c->changed, false);
	if (c->resend)
		put_pages(f, &one, 1, 0, UINT64_MAX, true);
	if (c->nzero > 0)
		put_zero(f, c->zero, c->nzero);
	put_small(f, SIM_REC_STATE, v, sizeof(v));
	put_small(f, SIM_REC_END, NULL, 0);
	if (c->flip > 0) {
		ck_assert_int_eq(fseek(f, (long)c->flip, SEEK_SET), 0);
		b = (uint8_t)fgetc(f) ^ 0x20;
		ck_assert_int_eq(fseek(f, (long)c->flip, SEEK_SET), 0);
		put(f, &b, 1);
	}
	ck_assert_int_eq(fflush(f), 0);
	ck_assert_int_ne(fd = dup(fileno(f)), -1);
	fclose(f);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Restore a hand-written stream on B as "crafted". */
int
restore_crafted(const struct crafted *c, uint32_t *id_r)
{
	struct reloc_domain		 d = { 0 };
	struct reloc_restore_params	 p = { .name = "crafted" };
	int				 fd, rc;

	d.name = (char *)(uintptr_t)"crafted";
	strcpy(d.uuid, "5f0c8a52-6d1e-4c3b-9a7e-2b4d6f8a0c1e");
	d.memory_kb = c->pages * (SIM_PAGE_SIZE / 1024);
	fd = crafted_stream(c);
	rc = ops->restore(sim_b, &d, fd, &p, id_r);
	close(fd);
	if (rc == 0)
		track(dir_b, *id_r);
	return rc;
}
