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
 * A domain's memory mapping outside the downtime window: the target
 * faults all of it in before the stream (Xen allocates a domain's memory
 * when it creates the domain), and both sides unmap it after the window
 * (tearing down the page tables of gigabytes takes a tenth of a second
 * or more).
 */

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "hv_sim.h"

#define POPULATE_CHUNK	(64ull << 20)	/* bytes per call */

/*
 * Allocate and fault in len bytes at mem (a shared read-write mapping of
 * the memory file), zero as they are.  Returns 0 or an RELOC_ERR_* code
 * (RELOC_ERR_NOSPC: the file system holding the memory is full).
 */
int
reloc__sim_populate(uint8_t *mem, uint64_t len)
{
	uint64_t	 pos, n;

	for (pos = 0; pos < len; pos += n) {
		n = len - pos < POPULATE_CHUNK ? len - pos : POPULATE_CHUNK;
		if (madvise(mem + pos, (size_t)n, MADV_POPULATE_WRITE) == 0)
			continue;
		if (errno == EINTR) {
			n = 0;
			continue;
		}
		/* Before Linux 5.14: the stream's writes fault it in. */
		if (errno == EINVAL)
			return 0;
		return errno == EFAULT || errno == ENOMEM ||
		    errno == ENOSPC ? RELOC_ERR_NOSPC :
		    reloc__errno_to_err(errno);
	}
	return 0;
}

struct unmap {
	void		*mem;
	size_t		 len;
};

static void *
unmap_main(void *arg)
{
	struct unmap	*u = arg;

	munmap(u->mem, u->len);
	free(u);
	return NULL;
}

/*
 * Unmap mem..mem+len in a thread of its own, so that the caller goes on
 * at once; inline when no thread can be made.  The process may exit
 * before it is done: the kernel then unmaps the rest.
 */
void
reloc__sim_unmap_later(void *mem, uint64_t len)
{
	pthread_attr_t	 attr;
	pthread_t	 t;
	struct unmap	*u;
	int		 rc = -1;

	if (mem == NULL)
		return;
	if ((u = malloc(sizeof(*u))) != NULL &&
	    pthread_attr_init(&attr) == 0) {
		u->mem = mem;
		u->len = (size_t)len;
		(void)pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, unmap_main, u);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		free(u);
		munmap(mem, (size_t)len);
	}
}
