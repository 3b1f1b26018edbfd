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
 * A domain's memory mapping outside the downtime window: on the target a
 * thread faults the memory in ahead of the stream's reader (faulting
 * fresh memory is the slowest part of receiving it), never far ahead,
 * so that the zero runs the stream jumps over are never allocated, and
 * stopped when the stream ends, so that nothing it would still do falls
 * in the window; both sides unmap the memory after the window (tearing
 * down the page tables of gigabytes takes a tenth of a second or more),
 * and a destroyed domain's memory file is closed for the last time in
 * the background (freeing its pages takes a third of a second for 4 GiB).
 */

#include <sys/mman.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv_sim.h"

#define AHEAD_CHUNK	(2ull << 20)	/* bytes a call: stopping waits one */
#define AHEAD_WINDOW	(256ull << 20)	/* bytes ahead of the reader */
#define UNMAP_STEP	(32u << 20)	/* bytes a munmap: others wait 1 */

static void *
ahead_main(void *arg)
{
	struct timespec		 nap = { 0, 1000000 };
	struct reloc__sim_ahead	*a = arg;
	uint64_t		 pos = 0, len, rd, win;

	while (pos < a->size && !__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		rd = __atomic_load_n(&a->reader, __ATOMIC_RELAXED);
		/* Caught up: leave the reader its chunk, go on past it. */
		if (pos <= rd)
			pos = rd + AHEAD_CHUNK;
		if (pos >= a->size)
			break;
		/*
		 * Not far ahead: the stream may mark it zero and jump.  Nor
		 * further ahead than the stream has come: a stream that
		 * waits before its first zero run (the saver walking the
		 * holes of its memory) leaves the memory alone meanwhile.
		 */
		win = rd < AHEAD_WINDOW ? rd : AHEAD_WINDOW;
		if (pos > rd + (win > AHEAD_CHUNK ? win : AHEAD_CHUNK)) {
			nanosleep(&nap, NULL);
			continue;
		}
		len = a->size - pos < AHEAD_CHUNK ? a->size - pos :
		    AHEAD_CHUNK;
		if (madvise(a->mem + pos, (size_t)len,
		    MADV_POPULATE_WRITE) == -1) {
			if (errno == EINTR)
				continue;
			/* Before Linux 5.14 the reader faults it all in. */
			if (errno != EINVAL)
				a->err = errno;
			break;
		}
		pos += len;
	}
	return NULL;
}

/* The memory file's file system lacks room for the domain's memory. */
static void
no_room(const struct reloc__sim_ahead *a)
{
	log_warnx("hv", "sim: restore %s: cannot allocate its %" PRIu64
	    " MiB of memory: no space left in xrelocd-sim-dir", a->name,
	    a->size >> 20);
}

/* A fault's errno: RELOC_ERR_NOSPC (logged) when it was for room. */
static int
fault_err(const struct reloc__sim_ahead *a, int err)
{
	if (err != EFAULT && err != ENOMEM && err != ENOSPC)
		return reloc__errno_to_err(err);
	no_room(a);
	return RELOC_ERR_NOSPC;
}

int
reloc__sim_ahead_start(struct reloc__sim_ahead *a, const char *path,
    uint8_t *mem, uint64_t size, const char *name)
{
	struct statvfs	sv;

	memset(a, 0, sizeof(*a));
	a->mem = mem;
	a->size = size;
	a->name = name;
	if (statvfs(path, &sv) == -1)
		return reloc__errno_to_err(errno);
	if ((uint64_t)sv.f_bavail * sv.f_frsize < size) {
		no_room(a);
		return RELOC_ERR_NOSPC;
	}
	/* Without the thread the reader faults everything in itself. */
	a->running = pthread_create(&a->thread, NULL, ahead_main, a) == 0;
	return 0;
}

int
reloc__sim_ahead_fault(struct reloc__sim_ahead *a, uint64_t off,
    uint64_t len)
{
	while (madvise(a->mem + off, (size_t)len, MADV_POPULATE_WRITE) == -1) {
		if (errno == EINTR)
			continue;
		return errno == EINVAL ? 0 : fault_err(a, errno);
	}
	return 0;
}

void
reloc__sim_ahead_reader(struct reloc__sim_ahead *a, uint64_t off)
{
	__atomic_store_n(&a->reader, off, __ATOMIC_RELAXED);
}

int
reloc__sim_ahead_stop(struct reloc__sim_ahead *a)
{
	int	err;

	if (a->running) {
		__atomic_store_n(&a->stop, true, __ATOMIC_RELAXED);
		pthread_join(a->thread, NULL);
		a->running = false;
	}
	if ((err = a->err) == 0)
		return 0;
	a->err = 0;
	return fault_err(a, err);
}

struct later {
	void		*mem;		/* NULL: nothing to unmap */
	size_t		 len;
	int		 fd;		/* -1: nothing to close */
};

/*
 * In steps: a munmap holds the lock of the whole address space that the
 * caller's own munmaps and faults wait for (70-90 ms for 1 GiB).
 */
static void
later_run(struct later *u)
{
	size_t	 off, n;

	for (off = 0; u->mem != NULL && off < u->len; off += n) {
		n = u->len - off < UNMAP_STEP ? u->len - off : UNMAP_STEP;
		munmap((uint8_t *)u->mem + off, n);
	}
	if (u->fd != -1)
		close(u->fd);
}

static void *
later_main(void *arg)
{
	later_run(arg);
	free(arg);
	return NULL;
}

/*
 * Run u in a thread of its own, so that the caller goes on at once;
 * inline when no thread can be made.  The process may exit before it is
 * done: the kernel then finishes it, and the exit waits.
 */
static void
later(struct later u)
{
	pthread_attr_t	 attr;
	pthread_t	 t;
	struct later	*p;
	int		 rc = -1;

	if ((p = malloc(sizeof(*p))) != NULL &&
	    pthread_attr_init(&attr) == 0) {
		*p = u;
		(void)pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, later_main, p);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		free(p);
		later_run(&u);
	}
}

/* Unmap mem..mem+len (tearing down its page tables) in the background. */
void
reloc__sim_unmap_later(void *mem, uint64_t len)
{
	if (mem != NULL)
		later((struct later){ mem, (size_t)len, -1 });
}

/*
 * Close fd in the background: the last reference to an unlinked memory
 * file frees its pages there (a third of a second for 4 GiB of tmpfs).
 */
void
reloc__sim_close_later(int fd)
{
	if (fd != -1)
		later((struct later){ NULL, 0, fd });
}
