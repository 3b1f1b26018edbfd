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
 * Check suite for the sim backend, continued (part of check_hv_sim): the
 * guest's throttle and the downtime budget.  A throttled guest dirties
 * no more than its share, whatever the machine's speed (an upper bound
 * only: a loaded machine runs it slower still); the throttle goes when
 * the save ends, failed or not, and when its saver dies.
 */

#include <sys/wait.h>

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

#define RATE_MB		100
#define PPS		((uint64_t)RATE_MB << (20 - SIM_PAGE_SHIFT))

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
cursor(const struct sim_map *m)
{
	return __atomic_load_n(&m->vcpu->cursor, __ATOMIC_ACQUIRE);
}

static uint64_t
throttle_of(const struct sim_map *m)
{
	return __atomic_load_n(&m->vcpu->throttle, __ATOMIC_ACQUIRE);
}

static bool
unthrottled(void *arg)
{
	return throttle_of(arg) == 0;
}

START_TEST(test_throttle_share)
{
	struct timespec	 half = { 0, 500000000 };
	struct sim_map	 m;
	uint64_t	 c0, c1, t0, t1, most;
	uint32_t	 id;

	id = mkdom(sim_a, dir_a, "web01", 16, RATE_MB, false);
	wait_counter_past(sim_a, id, 0);
	ck_assert_int_eq(reloc__sim_map(sim_a, id, &m, SIM_MAP_NOMEM), 0);
	reloc__sim_guest_throttle(m.vcpu, 90);
	ck_assert_uint_eq(throttle_of(&m), 90);
	ck_assert_int_eq(m.vcpu->throttle_pid, (int64_t)getpid());
	c0 = cursor(&m);
	t0 = mono_ns();
	nanosleep(&half, NULL);
	c1 = cursor(&m);
	t1 = mono_ns();
	/*
	 * 10% of the time at 100 MB/s, plus what was owed when it began (a
	 * page) and the one tick that straddled the change (20 ms at most).
	 */
	most = (t1 - t0) / 10 * PPS / 1000000000ull + 1 + PPS / 50;
	ck_assert_msg(c1 - c0 <= most, "%llu pages in %llu ms at 90%%, "
	    "most %llu", (unsigned long long)(c1 - c0),
	    (unsigned long long)((t1 - t0) / 1000000),
	    (unsigned long long)most);
	reloc__sim_guest_throttle(m.vcpu, 0);
	ck_assert_uint_eq(throttle_of(&m), 0);
	wait_counter_past(sim_a, id, counter(sim_a, id));
	reloc__sim_unmap(&m);
}
END_TEST

/* A saver killed while it throttles: the guest drops the throttle. */
START_TEST(test_throttle_saver_gone)
{
	struct sim_map	 m;
	uint32_t	 id;
	pid_t		 pid;
	int		 st;

	id = mkdom(sim_a, dir_a, "web01", 4, RATE_MB, false);
	wait_counter_past(sim_a, id, 0);
	ck_assert_int_eq(reloc__sim_map(sim_a, id, &m, SIM_MAP_NOMEM), 0);
	if ((pid = fork()) == 0) {
		reloc__sim_guest_throttle(m.vcpu, 50);
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st));
	ck_assert_uint_eq(throttle_of(&m), 50);
	ck_assert(wait_until(unthrottled, &m, WAIT_MS));
	ck_assert_int_eq(m.vcpu->throttle_pid, (int64_t)pid);
	reloc__sim_unmap(&m);
}
END_TEST

/* With a budget the stop is decided on a prediction within it. */
START_TEST(test_save_budget)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .max_downtime_ms = 300 };
	struct sim_map		 m;
	uint32_t		 id;
	size_t			 i;

	id = start_web(8, 200, &d);
	ck_assert_int_eq(reloc__sim_map(sim_a, id, &m, SIM_MAP_NOMEM), 0);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	for (i = 0; i + 2 < x.npr; i++)
		ck_assert_int_eq(x.pr[i].phase, RELOC_PP_PRECOPY);
	ck_assert_uint_ge(i, 1);
	ck_assert_uint_gt(x.pr[i - 1].predicted_ns, 0);
	ck_assert_uint_le(x.pr[i - 1].predicted_ns, 300 * 1000000ull);
	ck_assert_uint_eq(throttle_of(&m), 0);
	reloc__sim_unmap(&m);
	reloc_domain_dispose(&d);
}
END_TEST

/*
 * A budget below a switchover's own cost is never met: the throttle
 * climbs to 99%, a few rounds there, then the save fails before the
 * guest is stopped, its throttle undone by the saver itself.
 */
START_TEST(test_save_abort)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .max_downtime_ms = 1 };
	struct sim_map		 m;
	uint64_t		 c;
	uint32_t		 id;

	id = start_web(8, 400, &d);
	ck_assert_int_eq(reloc__sim_map(sim_a, id, &m, SIM_MAP_NOMEM), 0);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, RELOC_ERR_TIMEOUT);
	ck_assert_uint_ge(x.npr, 1);
	ck_assert_int_eq(x.pr[x.npr - 1].phase, RELOC_PP_PRECOPY);
	ck_assert_uint_eq(x.pr[x.npr - 1].throttle_pct, 99);
	ck_assert_uint_eq(x.pr[x.npr - 1].suspended_ns, 0);
	ck_assert_uint_eq(throttle_of(&m), 0);
	/* Never stopped: it counts on, here. */
	c = counter(sim_a, id);
	wait_counter_past(sim_a, id, c);
	ck_assert_int_eq(ops->resume(sim_a, id), 0);
	reloc__sim_unmap(&m);
	reloc_domain_dispose(&d);
}
END_TEST

TCase *
hv_sim_throttle_tcase(void)
{
	TCase	*tc = tcase_create("throttle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_throttle_share);
	tcase_add_test(tc, test_throttle_saver_gone);
	tcase_add_test(tc, test_save_budget);
	tcase_add_test(tc, test_save_abort);
	return tc;
}
