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
 * streams with a flipped bit, cut short or too big for the target, and
 * hand-written streams for the pages changed in flight.  A failed save
 * leaves the domain running on the source and nothing on the target.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_hv_sim.h"
#include "common.h"
#include "hv_sim.h"
#include "simhost.h"

/* After a failed save the source runs again; the target has nothing. */
static void
check_failed(uint32_t id, const struct xfer *x, int restore_rc)
{
	uint64_t	 c;

	ck_assert_int_eq(x->restore_status, -restore_rc);
	assert_empty(sim_b, dir_b);
	ck_assert_int_eq(ops->resume(sim_a, id), 0);
	c = counter(sim_a, id);
	wait_counter_past(sim_a, id, c);
}

/*
 * A page the guest writes while it is sent is not verified (it goes
 * again): with a guest that writes only its counter's page, the flipped
 * byte is in a page that is, however slow the machine.
 */
START_TEST(test_corrupt_page)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .relay = RELAY_FLIP,
				    .at = 300000 };
	uint32_t		 id;

	capture_start();
	id = start_web(8, 0, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_lt(x.save_rc, 0);
	check_failed(id, &x, RELOC_ERR_PROTO);
	reloc_domain_dispose(&d);
	capture_stop();
}
END_TEST

START_TEST(test_corrupt_header)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = false, .relay = RELAY_FLIP,
				    .at = 60 };
	uint32_t		 id;

	id = start_web(4, 0, &d);
	run_xfer(&x, id, &d);
	check_failed(id, &x, RELOC_ERR_PROTO);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_truncated)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .relay = RELAY_CUT,
				    .at = 3u << 20 };
	uint32_t		 id;

	id = start_web(8, 4, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_lt(x.save_rc, 0);
	check_failed(id, &x, RELOC_ERR_CLOSED);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_nospc)
{
	struct reloc_domain	 d = { 0 }, big = { 0 };
	struct xfer		 x = { .live = true };
	uint32_t		 id;

	free(write_file(dir_b, "host.sxp", "(host (total-memory-kb 8192))\n"));
	id = start_web(16, 0, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_lt(x.save_rc, 0);
	check_failed(id, &x, RELOC_ERR_NOSPC);

	big.name = (char *)(uintptr_t)"big";
	big.memory_kb = 12288;
	ck_assert_int_eq(reloc__sim_create(sim_b, &big, 0, false, &id),
	    RELOC_ERR_NOSPC);
	assert_empty(sim_b, dir_b);
	reloc_domain_dispose(&d);
}
END_TEST

/* Byte pfn * page + off of a crafted restore's memory. */
static int
mem_byte(uint32_t id, uint64_t pfn, size_t off)
{
	FILE	*f;
	int	 c;

	ck_assert_ptr_nonnull(f = fopen(dom_file(dir_b, id, "memory"), "r"));
	ck_assert_int_eq(fseek(f, (long)((pfn << SIM_PAGE_SHIFT) + off),
	    SEEK_SET), 0);
	c = fgetc(f);
	fclose(f);
	return c;
}

START_TEST(test_changed_resent)
{
	struct crafted	 c = { .pages = 16, .changed = 5, .resend = true };
	uint32_t	 id;

	ck_assert_int_eq(restore_crafted(&c, &id), 0);
	ck_assert_int_eq(mem_byte(id, 4, 9), 4);
	ck_assert_int_eq(mem_byte(id, 5, 9), 0xee);
	ck_assert_int_eq(mem_byte(id, 15, 4095), 15);
	/* A changed page is not verified: it is about to be replaced. */
	c.flip = CRAFTED_PAGE(5) + 100;
	ck_assert_int_eq(ops->destroy(sim_b, id), 0);
	ck_assert_int_eq(restore_crafted(&c, &id), 0);
	ck_assert_int_eq(mem_byte(id, 5, 100), 0xee);
}
END_TEST

START_TEST(test_changed_corrupt)
{
	struct crafted	 c = { .pages = 16, .changed = 5, .resend = true,
			    .flip = CRAFTED_PAGE(3) + 100 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	ck_assert(capture_has("checksum mismatch"));
	assert_empty(sim_b, dir_b);
	/* The bitmap of changed pages is covered too. */
	c.flip = CRAFTED_PAGE(16) + 1;
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	assert_empty(sim_b, dir_b);
	capture_stop();
}
END_TEST

START_TEST(test_changed_never_resent)
{
	struct crafted	 c = { .pages = 16, .changed = 5 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), RELOC_ERR_PROTO);
	ck_assert(capture_has("page 5 never verified"));
	assert_empty(sim_b, dir_b);
	capture_stop();
}
END_TEST

/* Three runs in one PAGES record: pages 1-3, 6 and 10-14. */
static const struct sim_run three[] = { { 1, 3 }, { 6, 1 }, { 10, 5 } };

START_TEST(test_runs_roundtrip)
{
	struct crafted	 c = { .pages = 16, .changed = UINT64_MAX,
			    .runs = three, .nruns = 3 };
	uint32_t	 id;

	capture_start();
	ck_assert_int_eq(restore_crafted(&c, &id), 0);
	ck_assert_int_eq(mem_byte(id, 1, 0), 1);
	ck_assert_int_eq(mem_byte(id, 3, 4095), 3);
	ck_assert_int_eq(mem_byte(id, 4, 9), 0);
	ck_assert_int_eq(mem_byte(id, 6, 9), 6);
	ck_assert_int_eq(mem_byte(id, 9, 9), 0);
	ck_assert_int_eq(mem_byte(id, 14, 4095), 14);
	ck_assert_int_eq(mem_byte(id, 15, 0), 0);
	ck_assert(capture_has("made in"));
	ck_assert(capture_has("then stream read in"));
	capture_stop();
}
END_TEST

/* restore_crafted(c) is refused with a message saying msg. */
static void
refused(const struct crafted *c, const char *msg)
{
	uint32_t	 id;

	capture_clear();
	ck_assert_int_eq(restore_crafted(c, &id), RELOC_ERR_PROTO);
	ck_assert_msg(capture_has(msg), "no \"%s\" in:\n%s", msg,
	    capture_text());
	assert_empty(sim_b, dir_b);
}

START_TEST(test_runs_corrupt)
{
	struct crafted	 c = { .pages = 64, .changed = UINT64_MAX,
			    .runs = three, .nruns = 3 };

	capture_start();
	/* A byte of page 6, the second run. */
	c.flip = CRAFTED_RUNS_PAGE(3, 3) + 100;
	refused(&c, "checksum mismatch");
	/* The third run's pfn: pages 42-46, in range but not what was hashed. */
	c.flip = CRAFTED_RUNS_PAGE(0, 0) + 2 * sizeof(struct sim_run);
	refused(&c, "checksum mismatch");
	capture_stop();
}
END_TEST

START_TEST(test_runs_malformed)
{
	static const struct sim_run	 past[] = { { 1, 3 }, { 10, 7 } },
					 overlap[] = { { 1, 3 }, { 3, 2 } },
					 back[] = { { 6, 1 }, { 1, 3 } },
					 big[] = { { 0, 200 }, { 300, 100 } };
	struct crafted			 c = { .pages = 16,
					    .changed = UINT64_MAX };

	capture_start();
	c.runs = past;
	c.nruns = 2;
	refused(&c, "run 2 (pages 10+7) out of range");
	c.runs = overlap;
	refused(&c, "run 2 (pages 3+2) out of range, overlapping");
	c.runs = back;
	refused(&c, "run 2 (pages 1+3) out of range, overlapping");
	c.pages = 512;
	c.runs = big;
	refused(&c, "past 256 pages");
	c.runs = three;
	c.nruns = 3;
	c.claim = SIM_REC_MAX_RUNS + 1;
	refused(&c, "257 runs of pages, expected 1 to 256");
	c.claim = 0;
	c.nruns = 0;
	c.runs = NULL;
	c.claim = UINT64_MAX;
	refused(&c, "runs of pages, expected 1 to 256");
	capture_stop();
}
END_TEST

/* The domain is made, its memory mapped, before the first record. */
START_TEST(test_made_first)
{
	static const struct sim_run	 past[] = { { 10, 7 } };
	struct crafted			 c = { .pages = 16,
					    .changed = UINT64_MAX,
					    .runs = past, .nruns = 1 };
	const char			*alloc, *rec;

	capture_start();
	refused(&c, "out of range");
	alloc = strstr(capture_text(), ": made in ");
	rec = strstr(capture_text(), "record 2: run 1");
	ck_assert_ptr_nonnull(alloc);
	ck_assert_ptr_nonnull(rec);
	ck_assert(alloc < rec);
	capture_stop();
}
END_TEST

TCase *
hv_sim_errors_tcase(void)
{
	TCase	*tc = tcase_create("stream_errors");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_corrupt_page);
	tcase_add_test(tc, test_corrupt_header);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_nospc);
	tcase_add_test(tc, test_changed_resent);
	tcase_add_test(tc, test_changed_corrupt);
	tcase_add_test(tc, test_changed_never_resent);
	tcase_add_test(tc, test_runs_roundtrip);
	tcase_add_test(tc, test_runs_corrupt);
	tcase_add_test(tc, test_runs_malformed);
	tcase_add_test(tc, test_made_first);
	return tc;
}
