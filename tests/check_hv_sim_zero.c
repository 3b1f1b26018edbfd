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
 * Check suite for the sim backend, continued (part of check_hv_sim):
 * zero pages cost nothing in the stream.  Zero, realistic and random
 * domains move with their memory equal byte for byte, live and while
 * their guest dirties (and zeroes) pages; hand-written ZERO records.
 */

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "check_hv_sim.h"
#include "common.h"
#include "hv_sim.h"
#include "simhost.h"

#define MIB	(1ull << 20)

/* Create web01 on A with its memory filled as fill says; wait for it. */
static uint32_t
start_filled(unsigned mb, unsigned rate, enum reloc__sim_fill fill,
    struct reloc_domain *d)
{
	struct reloc__sim_create_opts	 o = { rate, false, fill };
	struct reloc_domain		 n = { 0 };
	uint32_t			 id = 0;

	n.name = (char *)(uintptr_t)"web01";
	n.memory_kb = (uint64_t)mb * 1024;
	n.vcpus = 1;
	n.type = RELOC_DOM_PVH;
	ck_assert_int_eq(reloc__sim_create_with(sim_a, &n, &o, &id), 0);
	track(dir_a, id);
	wait_counter_past(sim_a, id, 0);
	ck_assert_int_eq(ops->describe(sim_a, "web01", d), 0);
	return id;
}

/* Move web01 (live); the target holds the source's memory at pause. */
static void
move_equal(uint32_t id, const struct reloc_domain *d, struct xfer *x)
{
	uint32_t	 dst;
	uint64_t	 c;

	x->live = true;
	run_xfer(x, id, d);
	ck_assert_int_eq(x->save_rc, 0);
	ck_assert_int_eq(x->restore_status, 0);
	ck_assert_uint_ge(x->npr, 2);
	dst = incoming();
	ck_assert(same_file(dom_file(dir_a, id, "memory"),
	    dom_file(dir_b, dst, "memory")));
	c = counter(sim_a, id);
	ck_assert_uint_eq(counter(sim_b, dst), c);
	ck_assert_int_eq(ops->unpause(sim_b, dst), 0);
	wait_counter_past(sim_b, dst, c);
}

/* Bytes in the file of pages pfn..pfn+n of the memory that are not 0. */
static size_t
nonzero(const char *path, uint64_t pfn, uint64_t n)
{
	uint8_t		 buf[SIM_PAGE_SIZE];
	size_t		 bad = 0, i;
	uint64_t	 p;
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	for (p = pfn; p < pfn + n; p++) {
		ck_assert_int_eq(pread(fd, buf, sizeof(buf), (off_t)(p <<
		    SIM_PAGE_SHIFT)), (ssize_t)sizeof(buf));
		for (i = 0; i < sizeof(buf); i++)
			bad += buf[i] != 0;
	}
	close(fd);
	return bad;
}

/* An idle all-zero domain: its whole stream is a few records. */
START_TEST(test_zero_idle)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { 0 };
	uint32_t		 id;

	id = start_filled(64, 0, RELOC_SIM_FILL_ZERO, &d);
	move_equal(id, &d, &x);
	ck_assert_uint_lt(x.pr[x.npr - 1].sent_bytes, 64 << 10);
	ck_assert_uint_eq(nonzero(dom_file(dir_a, id, "memory"), 1,
	    (64 * MIB >> SIM_PAGE_SHIFT) - 1), 0);
	reloc_domain_dispose(&d);
}
END_TEST

/*
 * The target never allocates the zero runs the stream jumps over: of a
 * 512 MiB all-zero domain it holds the counter's page and at most what
 * its fault-ahead thread may reach past a stream that has not come
 * anywhere yet (one 2 MiB chunk), however long the saver takes to find
 * its first zero run; a target that allocated all of it first put that
 * in the downtime, and one that ran far ahead meanwhile made the next
 * move read what it allocated.
 */
START_TEST(test_zero_not_allocated)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { 0 };
	struct stat		 st;
	uint32_t		 id;

	id = start_filled(512, 0, RELOC_SIM_FILL_ZERO, &d);
	x.live = true;
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	ck_assert_int_eq(stat(dom_file(dir_b, incoming(), "memory"), &st),
	    0);
	ck_assert_int_eq(st.st_size, 512 * MIB);
	ck_assert_int_le((long long)st.st_blocks * 512, 8 * MIB);
	reloc_domain_dispose(&d);
}
END_TEST

/* Write a page of byte b at pfn of the memory file (data amid holes). */
static void
put_page(const char *path, uint64_t pfn, uint8_t b)
{
	uint8_t	 buf[SIM_PAGE_SIZE];
	int	 fd;

	memset(buf, b, sizeof(buf));
	ck_assert_int_ne(fd = open(path, O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), (off_t)(pfn <<
	    SIM_PAGE_SHIFT)), (ssize_t)sizeof(buf));
	close(fd);
}

/*
 * Data scattered among holes: the page after the counter's, both sides
 * of the first record's end, one page in the middle of a huge hole and
 * the last page.  The saver finds the holes with one look each, and
 * every page of data still goes, byte for byte (the first round alone
 * sends them: an idle guest dirties only its counter).
 */
START_TEST(test_zero_scattered)
{
	const uint64_t		 pages = 256 * MIB >> SIM_PAGE_SHIFT;
	const uint64_t		 at[] = { 1, SIM_REC_MAX_PAGES - 1,
				    SIM_REC_MAX_PAGES, pages / 2 + 7,
				    pages - 1 };
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { 0 };
	const char		*mem;
	uint32_t		 id, dst;
	size_t			 i;

	id = start_filled(256, 0, RELOC_SIM_FILL_ZERO, &d);
	mem = dom_file(dir_a, id, "memory");
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		put_page(mem, at[i], (uint8_t)(0xa5 + i));
	move_equal(id, &d, &x);
	dst = incoming();
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		ck_assert_uint_eq(nonzero(dom_file(dir_b, dst, "memory"),
		    at[i], 1), SIM_PAGE_SIZE);
	ck_assert_uint_eq(nonzero(dom_file(dir_b, dst, "memory"),
	    pages / 2, 7), 0);
	ck_assert_uint_lt(x.pr[0].sent_bytes, 64 << 10);
	reloc_domain_dispose(&d);
}
END_TEST

/* Copy fd to out, stopping ms milliseconds after its first n bytes. */
static void
feed_slowly(int fd, int out, size_t n, long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };
	char		 buf[8192];
	ssize_t		 r;

	while ((r = read(fd, buf, n > 0 && n < sizeof(buf) ? n :
	    sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)r) != r)
			_exit(1);
		if (n > 0 && (n -= (size_t)r) == 0)
			nanosleep(&ts, NULL);
	}
	_exit(r == 0 ? 0 : 1);
}

/*
 * A saver that takes its time to find its first zero run (walking the
 * holes of gigabytes): meanwhile the target's fault-ahead thread stays
 * within a chunk of where the stream has come, and allocates nothing of
 * the zero run that follows.  The pause is no timing assumption: any
 * pause passes; a thread that ran ahead regardless fills its window.
 */
START_TEST(test_zero_slow_start)
{
	const uint64_t		 pages = 512 * MIB >> SIM_PAGE_SHIFT;
	const struct sim_run	 first = { 0, 1 };
	struct crafted		 c = { .pages = pages, .runs = &first,
				    .nruns = 1, .changed = UINT64_MAX,
				    .zero = 1, .nzero = pages - 1 };
	struct reloc_restore_params p = { .name = "crafted" };
	struct reloc_domain	 d = { 0 };
	struct stat		 st;
	uint32_t		 id;
	pid_t			 pid;
	int			 fd, pfd[2], status;

	d.name = (char *)(uintptr_t)"crafted";
	strcpy(d.uuid, "5f0c8a52-6d1e-4c3b-9a7e-2b4d6f8a0c1e");
	d.memory_kb = pages * (SIM_PAGE_SIZE / 1024);
	fd = crafted_stream(&c);
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(pfd[0]);
		feed_slowly(fd, pfd[1], sizeof(struct sim_rec) +
		    sizeof(struct sim_stream_hdr), 300);
	}
	close(pfd[1]);
	close(fd);
	ck_assert_int_eq(ops->restore(sim_b, &d, pfd[0], &p, &id), 0);
	track(dir_b, id);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(stat(dom_file(dir_b, id, "memory"), &st), 0);
	ck_assert_int_le((long long)st.st_blocks * 512, 8 * MIB);
}
END_TEST

/*
 * A file system that filled up after the restore checked its room: the
 * restore that writes into the memory from user space (TLS) faults each
 * run in first and fails with no space, where a memcpy would have met
 * SIGBUS.  (A real full disk: a small tmpfs; needs root.)
 */
START_TEST(test_fault_full_disk)
{
	struct reloc__sim_ahead	 a;
	char			 dir[] = "/tmp/xrelocd-full.XXXXXX";
	char			 path[64], block[4096] = { 0 };
	uint8_t			*mem;
	int			 fd;

	if (geteuid() != 0) {
		fprintf(stderr, "test_fault_full_disk: skipped, needs root\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700") == -1) {
		fprintf(stderr, "test_fault_full_disk: skipped, mount: %s\n",
		    strerror(errno));
		rmdir(dir);
		return;
	}
	snprintf(path, sizeof(path), "%s/memory", dir);
	ck_assert_int_ne(fd = open(path, O_RDWR | O_CREAT, 0600), -1);
	ck_assert_int_eq(ftruncate(fd, 4 * MIB), 0);
	mem = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(mem != MAP_FAILED);
	close(fd);
	snprintf(path, sizeof(path), "%s/filler", dir);
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT, 0600), -1);
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	memset(&a, 0, sizeof(a));
	a.mem = mem;
	a.size = 4 * MIB;
	a.name = "web01";
	capture_start();
	ck_assert_int_eq(reloc__sim_ahead_fault(&a, MIB, 2 * MIB),
	    RELOC_ERR_NOSPC);
	ck_assert(capture_has("no space left in xrelocd-sim-dir"));
	capture_stop();
	munmap(mem, 4 * MIB);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}
END_TEST

/*
 * Realistic memory is half zero pages: the first round sends the other
 * half and little more, whatever the machine's speed (an idle guest).
 */
START_TEST(test_zero_realistic)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { 0 };
	uint32_t		 id;

	id = start_filled(32, 0, RELOC_SIM_FILL_REALISTIC, &d);
	ck_assert_uint_gt(nonzero(dom_file(dir_a, id, "memory"), 0,
	    32 * MIB >> SIM_PAGE_SHIFT), 8 * MIB);
	move_equal(id, &d, &x);
	ck_assert_uint_ge(x.pr[0].sent_bytes, 16 * MIB);
	ck_assert_uint_le(x.pr[0].sent_bytes, 17 * MIB);
	reloc_domain_dispose(&d);
}
END_TEST

/*
 * Guests that dirty their memory, a fourth of the pages they write
 * turning zero: pages sent with data and zero later (or the other way)
 * end equal on the target.
 */
START_TEST(test_zero_live_dirty)
{
	static const enum reloc__sim_fill fills[] = { RELOC_SIM_FILL_ZERO,
	    RELOC_SIM_FILL_REALISTIC, RELOC_SIM_FILL_RANDOM };
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { 0 };
	uint32_t		 id;

	id = start_filled(32, 16, fills[_i], &d);
	move_equal(id, &d, &x);
	reloc_domain_dispose(&d);
}
END_TEST

/* ZERO clears a page that came with data, and stands for its last copy. */
START_TEST(test_zero_crafted)
{
	struct crafted	 c = { .pages = 8, .changed = 3, .zero = 2,
			    .nzero = 3 };
	const char	*mem;
	uint32_t	 id;

	ck_assert_int_eq(restore_crafted(&c, &id), 0);
	mem = dom_file(dir_b, id, "memory");
	ck_assert_uint_eq(nonzero(mem, 2, 3), 0);
	ck_assert_uint_eq(nonzero(mem, 5, 1), SIM_PAGE_SIZE);
	ck_assert_uint_eq(nonzero(mem, 1, 1), SIM_PAGE_SIZE);
}
END_TEST

/* The ZERO record after HEADER and one PAGES record of c.pages pages. */
#define ZERO_REC(pages)	(CRAFTED_PAGE(pages) + \
			    sizeof(struct sim_rec_trailer))

START_TEST(test_zero_corrupt)
{
	struct crafted	 c = { .pages = 8, .zero = 2, .nzero = 3,
			    .flip = ZERO_REC(8) + 24 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	ck_assert(capture_has("checksum mismatch"));
	assert_empty(sim_b, dir_b);
	capture_stop();
}
END_TEST

START_TEST(test_zero_out_of_range)
{
	struct crafted	 c = { .pages = 8, .zero = 6, .nzero = 3 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	ck_assert(capture_has("out of range"));
	assert_empty(sim_b, dir_b);
	capture_stop();
}
END_TEST

/* A stream of the version before multi-run records is refused, and says so. */
START_TEST(test_stream_version)
{
	struct crafted	 c = { .pages = 8, .version = 3 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	ck_assert(capture_has("stream version 3, this host reads version 4"));
	assert_empty(sim_b, dir_b);
	capture_stop();
}
END_TEST

TCase *
hv_sim_zero_tcase(void)
{
	TCase	*tc = tcase_create("zero_pages");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zero_idle);
	tcase_add_test(tc, test_zero_scattered);
	tcase_add_test(tc, test_zero_not_allocated);
	tcase_add_test(tc, test_zero_slow_start);
	tcase_add_test(tc, test_fault_full_disk);
	tcase_add_test(tc, test_zero_realistic);
	tcase_add_loop_test(tc, test_zero_live_dirty, 0, 3);
	tcase_add_test(tc, test_zero_crafted);
	tcase_add_test(tc, test_zero_corrupt);
	tcase_add_test(tc, test_zero_out_of_range);
	tcase_add_test(tc, test_stream_version);
	return tc;
}
