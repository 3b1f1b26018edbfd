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
 * Check suite for the sim backend (hv.c, hv_sim*.c): domain lifecycle,
 * real pause, host facts, and save/restore through a socket between two
 * processes, byte for byte; the broken streams are in
 * check_hv_sim_errors.c.
 */

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_hv_sim.h"
#include "common.h"
#include "hv_sim.h"
#include "simhost.h"

START_TEST(test_registry)
{
	const struct reloc_hv_ops *const *all = reloc_hv_all();
	bool		 sim = false;
	size_t		 i;

	ck_assert_ptr_eq(reloc_hv_lookup("sim"), &reloc__hv_sim_ops);
	ck_assert_ptr_null(reloc_hv_lookup("qemu"));
	ck_assert_ptr_null(reloc_hv_lookup(NULL));
	for (i = 0; all[i] != NULL; i++)
		sim = sim || strcmp(all[i]->name, "sim") == 0;
	ck_assert(sim);
}
END_TEST

/* No descriptor of this process names the file arg, deleted or not. */
static bool
not_held(void *arg)
{
	char		 link[64], name[4096];
	const char	*path = arg;
	size_t		 n = strlen(path);
	ssize_t		 r;
	int		 fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((r = readlink(link, name, sizeof(name) - 1)) <= 0)
			continue;
		name[r] = '\0';
		if (strncmp(name, path, n) == 0 && (name[n] == '\0' ||
		    name[n] == ' '))
			return false;
	}
	return true;
}

START_TEST(test_lifecycle)
{
	struct reloc_domain	 d = { 0 };
	uint32_t		 web, db, id;
	pid_t			 pid;
	char			*mem;

	web = mkdom(sim_a, dir_a, "web01", 4, 0, false);
	db = mkdom(sim_a, dir_a, "db01", 4, 0, true);
	ck_assert_uint_ne(web, db);
	ck_assert_uint_eq(ndoms(sim_a), 2);
	ck_assert_int_eq(ops->describe(sim_a, "web01", &d), 0);
	ck_assert_uint_eq(d.domid, web);
	ck_assert_str_eq(d.name, "web01");
	ck_assert_uint_eq(d.memory_kb, 4096);
	ck_assert_int_eq(d.state, RELOC_DS_RUNNING);
	ck_assert_uint_eq(strlen(d.uuid), 36);
	ck_assert_ptr_nonnull(d.config);
	/* Without a policy of its own it runs with the host's features. */
	if (access("/proc/cpuinfo", R_OK) == 0)
		ck_assert_uint_gt(d.nr_cpu_features, 0);
	reloc_domain_dispose(&d);
	ck_assert_int_eq(ops->describe(sim_a, "2", &d), 0);
	ck_assert_str_eq(d.name, "db01");
	ck_assert_int_eq(d.state, RELOC_DS_PAUSED);
	reloc_domain_dispose(&d);
	ck_assert_int_eq(ops->describe(sim_a, "0", &d), RELOC_ERR_NOENT);
	ck_assert_int_eq(ops->describe(sim_a, "nope", &d), RELOC_ERR_NOENT);

	/* Names are unique. */
	ck_assert_int_eq(ops->rename(sim_a, db, "web01"), RELOC_ERR_EXIST);
	ck_assert_int_eq(ops->rename(sim_a, web, "web01--migratedaway"), 0);
	ck_assert_int_eq(reloc__sim_domid(sim_a, "web01--migratedaway", &id),
	    0);
	ck_assert_uint_eq(id, web);
	ck_assert_int_eq(reloc__sim_domid(sim_a, "web01", &id),
	    RELOC_ERR_NOENT);

	pid = guest_pid(dir_a, web);
	ck_assert(pid_running(pid));
	mem = strdup(dom_file(dir_a, web, "memory"));
	ck_assert_int_eq(ops->destroy(sim_a, web), 0);
	ck_assert(!pid_running(pid));
	ck_assert_uint_eq(ndoms(sim_a), 1);
	ck_assert_int_eq(access(mem, F_OK), -1);
	/* Its pages go back in the background: the file is let go. */
	ck_assert(wait_until(not_held, mem, WAIT_MS));
	free(mem);
	ck_assert_int_eq(ops->destroy(sim_a, web), RELOC_ERR_NOENT);
}
END_TEST

START_TEST(test_pause_stops_counter)
{
	uint32_t	 id;
	uint64_t	 c1, c2, c3;

	id = mkdom(sim_a, dir_a, "web01", 4, 1, false);
	c1 = wait_counter_past(sim_a, id, 0);
	ck_assert_int_eq(ops->pause(sim_a, id), 0);
	c2 = counter(sim_a, id);
	ck_assert_uint_ge(c2, c1);
	assert_still(sim_a, dir_a, id);
	ck_assert_int_eq(ops->unpause(sim_a, id), 0);
	c3 = wait_counter_past(sim_a, id, c2);
	ck_assert_uint_gt(c3, c2);

	/* Created paused: it has not counted at all. */
	id = mkdom(sim_a, dir_a, "db01", 4, 0, true);
	ck_assert_uint_eq(counter(sim_a, id), 0);
	assert_still(sim_a, dir_a, id);
	ck_assert_int_eq(ops->unpause(sim_a, id), 0);
	wait_counter_past(sim_a, id, 0);
}
END_TEST

START_TEST(test_host_info)
{
	struct reloc_hostinfo	 hi = { 0 };
	char			*f, u[37];
	void			*again = NULL;

	mkdom(sim_a, dir_a, "web01", 8, 0, true);
	ck_assert_int_eq(ops->host_info(sim_a, &hi), 0);
	/* One host uuid per sim directory, kept across opens. */
	ck_assert_uint_eq(strlen(hi.host_uuid), 36);
	strcpy(u, hi.host_uuid);
	ck_assert_str_eq(hi.hv_version, "4.17.0");
	ck_assert_uint_eq(hi.hv_major, 4);
	ck_assert_uint_eq(hi.hv_minor, 17);
	ck_assert_ptr_nonnull(strstr(hi.caps, "hvm-3.0-x86_64"));
	ck_assert_uint_eq(hi.free_memory_kb, (16ull << 20) - 8192);
	ck_assert_ptr_nonnull(hi.hostname);
	ck_assert_ptr_nonnull(hi.cpu_vendor);
	reloc_hostinfo_dispose(&hi);

	f = write_file(dir_a, "host.sxp", "(host (hostname hostb)\n"
	    " (hv-version 4.19.1) (cpu-features sse4_1 avx2)\n"
	    " (cap-hvm no) (total-memory-kb 65536)\n"
	    " (bridges (bridge (name xenbr0) (subnet 10.0.0.0/24)"
	    " (mtu 9000))))\n");
	free(f);
	ck_assert_int_eq(ops->host_info(sim_a, &hi), 0);
	ck_assert_str_eq(hi.hostname, "hostb");
	ck_assert_str_eq(hi.host_uuid, u);
	reloc_hostinfo_dispose(&hi);
	ck_assert_int_eq(reloc__sim_open_dir(dir_a, &again), 0);
	ck_assert_int_eq(ops->host_info(again, &hi), 0);
	ops->close(again);
	ck_assert_str_eq(hi.host_uuid, u);
	reloc_hostinfo_dispose(&hi);
	ck_assert_int_eq(ops->host_info(sim_b, &hi), 0);
	ck_assert_str_ne(hi.host_uuid, u);
	reloc_hostinfo_dispose(&hi);
	ck_assert_int_eq(ops->host_info(sim_a, &hi), 0);
	ck_assert_uint_eq(hi.hv_minor, 19);
	ck_assert(!hi.cap_hvm);
	ck_assert(hi.cap_pv);
	ck_assert_uint_eq(hi.nr_cpu_features, 2);
	ck_assert_str_eq(hi.cpu_features[1], "avx2");
	ck_assert_uint_eq(hi.free_memory_kb, 65536 - 8192);
	ck_assert_uint_eq(hi.nr_bridges, 1);
	ck_assert_str_eq(hi.bridges[0].name, "xenbr0");
	ck_assert_str_eq(hi.bridges[0].subnet, "10.0.0.0/24");
	ck_assert_uint_eq(hi.bridges[0].mtu, 9000);
	reloc_hostinfo_dispose(&hi);
}
END_TEST

/*
 * Rounds count up, bytes never go back, the phases come in order, over
 * every report; then one per round and phase (simhost.c keeps the last).
 */
static unsigned
check_progress(const struct xfer *x, uint64_t pages)
{
	unsigned	 precopy = 0;
	size_t		 i;

	ck_assert_uint_eq(x->disorder, 0);
	ck_assert(!x->overflow);
	ck_assert_uint_ge(x->nreports, x->npr);
	ck_assert_uint_ge(x->npr, 2);
	for (i = 0; i < x->npr; i++) {
		ck_assert_uint_eq(x->pr[i].total_pages, pages);
		if (x->pr[i].phase == RELOC_PP_PRECOPY) {
			precopy++;
			ck_assert_uint_eq(x->pr[i].round, i + 1);
			ck_assert_uint_eq(x->pr[i].suspended_ns, 0);
		}
		if (i > 0) {
			ck_assert_uint_ge(x->pr[i].phase, x->pr[i - 1].phase);
			ck_assert_uint_ge(x->pr[i].sent_bytes,
			    x->pr[i - 1].sent_bytes);
		}
	}
	ck_assert_int_eq(x->pr[x->npr - 2].phase, RELOC_PP_SUSPENDED);
	ck_assert_uint_eq(x->pr[x->npr - 2].round, precopy + 1);
	ck_assert_uint_gt(x->pr[x->npr - 2].suspended_ns, 0);
	ck_assert_int_eq(x->pr[x->npr - 1].phase, RELOC_PP_DONE);
	return precopy;
}

static void
snapshot_hosts(void)
{
	free(write_file(dir_a, "host.sxp", "(host (snapshot yes))\n"));
	free(write_file(dir_b, "host.sxp", "(host (snapshot yes))\n"));
}

/* The target holds the source's memory at pause, and counts on. */
static void
check_moved(uint32_t src, const struct reloc_domain *dom)
{
	struct reloc_domain	 d = { 0 };
	char			 pre[4096], post[4096];
	uint32_t		 dst = incoming();
	uint64_t		 c;

	ck_assert_int_eq(ops->describe(sim_a, dom->name, &d), 0);
	ck_assert_int_eq(d.state, RELOC_DS_SUSPENDED);
	reloc_domain_dispose(&d);
	ck_assert_int_eq(ops->describe(sim_b, "web01--incoming", &d), 0);
	ck_assert_int_eq(d.state, RELOC_DS_PAUSED);
	ck_assert_str_eq(d.uuid, dom->uuid);
	ck_assert_uint_eq(d.memory_kb, dom->memory_kb);
	reloc_domain_dispose(&d);
	ck_assert(same_file(dom_file(dir_a, src, "memory"),
	    dom_file(dir_b, dst, "memory")));
	c = counter(sim_a, src);
	ck_assert_uint_gt(c, 0);
	ck_assert_uint_eq(counter(sim_b, dst), c);
	assert_still(sim_b, dir_b, dst);
	ck_assert_int_eq(ops->unpause(sim_b, dst), 0);
	wait_counter_past(sim_b, dst, c);
	assert_still(sim_a, dir_a, src);
	ck_assert_uint_eq(counter(sim_a, src), c);
	/* The source's snapshot is taken when its copy goes. */
	snprintf(pre, sizeof(pre), "%s/snapshots/%s.pre", dir_a, dom->uuid);
	snprintf(post, sizeof(post), "%s/snapshots/%s.post", dir_b,
	    dom->uuid);
	ck_assert_int_eq(access(pre, F_OK), -1);
	ck_assert_int_eq(ops->destroy(sim_a, src), 0);
	ck_assert(same_file(pre, post));
}

/*
 * Pre-copy ended for one of its reasons (xrelocd-sim(8)): the most
 * rounds, fewer than 50 dirty pages, or three times the memory sent
 * counting the dirty pages in full (the last round's report says how
 * many; zero pages among them cost less than that).  Which one depends
 * on how much the guest dirtied while a round was sent, so on the
 * machine's speed: any will do.  But no round began once three times
 * the memory had gone.
 */
static void
check_precopy_end(const struct xfer *x, unsigned rounds, unsigned max,
    uint64_t mem)
{
	unsigned	 i;

	ck_assert_uint_ge(rounds, 1);
	ck_assert_uint_le(rounds, max);
	for (i = 1; i < rounds; i++)
		ck_assert_uint_le(x->pr[i - 1].sent_bytes, 3 * mem);
	ck_assert(rounds == max || x->pr[rounds - 1].remaining_pages < 50 ||
	    x->pr[rounds - 1].sent_bytes + (x->pr[rounds - 1].remaining_pages
	    << SIM_PAGE_SHIFT) > 3 * mem);
}

START_TEST(test_save_nonlive)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = false };
	uint32_t		 id;

	snapshot_hosts();
	id = start_web(8, 16, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	ck_assert_uint_eq(check_progress(&x, 2048), 0);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

/*
 * A backend that says it takes a reloc_stream_io (what TLS in user space
 * gives it) moves the whole stream through it and never touches its fd;
 * short reads on the target are fine.
 */
START_TEST(test_save_stream_io)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .io = true };
	uint32_t		 id;

	ck_assert(ops->stream_io);
	snapshot_hosts();
	id = start_web(8, 8, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	ck_assert_uint_gt(x.io_calls, 0);
	check_progress(&x, 2048);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

/* Pages of the memory file with a byte that is not 0. */
static uint64_t
data_pages(const char *path)
{
	uint8_t		 buf[SIM_PAGE_SIZE];
	uint64_t	 n = 0;
	size_t		 i;
	FILE		*f;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fread(buf, 1, sizeof(buf), f) == sizeof(buf)) {
		for (i = 0; i < sizeof(buf) && buf[i] == 0; i++)
			;
		n += i < sizeof(buf);
	}
	fclose(f);
	return n;
}

START_TEST(test_save_live)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true };
	uint32_t		 id;
	unsigned		 rounds;

	snapshot_hosts();
	id = start_web(32, 8, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	rounds = check_progress(&x, 8192);
	check_precopy_end(&x, rounds, 5, 32u << 20);
	/* Every page that ends with data went at least once with it. */
	ck_assert_uint_ge(x.pr[x.npr - 1].sent_bytes,
	    data_pages(dom_file(dir_a, id, "memory")) << SIM_PAGE_SHIFT);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

/* A guest that writes nothing but its counter converges at once. */
START_TEST(test_save_idle)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true };
	uint32_t		 id;

	snapshot_hosts();
	id = start_web(8, 0, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	ck_assert_uint_eq(check_progress(&x, 2048), 1);
	ck_assert_uint_lt(x.pr[0].remaining_pages, 50);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_save_max_rounds)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .max_rounds = 2 };
	uint32_t		 id;

	snapshot_hosts();
	id = start_web(8, 200, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	check_precopy_end(&x, check_progress(&x, 2048), 2, 8u << 20);
	/* The dirty rate is reported: a round lasts far less than 300 s. */
	if (x.pr[0].remaining_pages >= 300)
		ck_assert_uint_gt(x.pr[0].dirty_pps, 0);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_save_bytes_bound)
{
	struct reloc_domain	 d = { 0 };
	struct xfer		 x = { .live = true, .max_rounds = 60 };
	uint32_t		 id;
	unsigned		 rounds;

	snapshot_hosts();
	id = start_web(4, 400, &d);
	run_xfer(&x, id, &d);
	ck_assert_int_eq(x.save_rc, 0);
	ck_assert_int_eq(x.restore_status, 0);
	/*
	 * Past the first round every round sends 50 pages or more (or it
	 * would be the last), so the bytes bound ends pre-copy well before
	 * round 60 whatever the speed.
	 */
	rounds = check_progress(&x, 1024);
	ck_assert_uint_lt(rounds, 60);
	check_precopy_end(&x, rounds, 60, 4u << 20);
	check_moved(id, &d);
	reloc_domain_dispose(&d);
}
END_TEST

/* Run the admin tool on host A; its exit status and first line. */
static int
tool(const char *args, char *out, size_t len)
{
	char	 cmd[8192];
	FILE	*p;
	int	 st;

	snprintf(cmd, sizeof(cmd), "%s/tools/xrelocd-sim -d '%s' %s 2>&1",
	    TOP_BUILDDIR, dir_a, args);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	out[0] = '\0';
	if (fgets(out, (int)len, p) != NULL)
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_tool)
{
	char		 out[512], path[4096];
	uint32_t	 id, id3;
	unsigned long	 c1, c2;

	snprintf(path, sizeof(path), "%s/tools/xrelocd-sim", TOP_BUILDDIR);
	if (access(path, X_OK) != 0) {
		fprintf(stderr, "test_tool: skipped, %s not built\n", path);
		return;
	}
	ck_assert_int_eq(tool("create web01 --memory 4 --dirty-rate 1 "
	    "--vif mac=00:16:3e:00:00:01,bridge=xenbr0 "
	    "--disk vdev=hdc,path=/iso/a.iso,cdrom --usb 1-2,migratable "
	    "--disk vdev=xvda,path=/srv/web01.img,size=1073741824",
	    out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(reloc__sim_domid(sim_a, "web01", &id), 0);
	track(dir_a, id);
	ck_assert_int_eq(tool("info web01", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "(removable yes)"));
	ck_assert_ptr_nonnull(strstr(out, "(migratable yes)"));
	ck_assert_ptr_nonnull(strstr(out, "(size 1073741824)"));
	ck_assert_int_eq(tool("create web02 --disk vdev=xvda,path=/a,size=1G",
	    out, sizeof(out)), 2);
	ck_assert_int_eq(tool("pause 1", out, sizeof(out)), 0);
	ck_assert_int_eq(tool("counter web01", out, sizeof(out)), 0);
	c1 = strtoul(out, NULL, 10);
	ck_assert_uint_eq(counter(sim_a, id), c1);
	ck_assert_int_eq(tool("list", out, sizeof(out)), 0);
	ck_assert_int_eq(tool("unpause web01", out, sizeof(out)), 0);
	wait_counter_past(sim_a, id, c1);
	ck_assert_int_eq(tool("counter web01", out, sizeof(out)), 0);
	c2 = strtoul(out, NULL, 10);
	ck_assert_uint_gt(c2, c1);
	ck_assert_int_eq(tool("checksum web01", out, sizeof(out)), 0);
	ck_assert_uint_eq(strlen(out), 16);
	ck_assert_int_eq(tool("create web03 --memory 4 --fill realistic "
	    "--paused", out, sizeof(out)), 0);
	ck_assert_int_eq(reloc__sim_domid(sim_a, "web03", &id3), 0);
	track(dir_a, id3);
	ck_assert_int_eq(tool("destroy web03", out, sizeof(out)), 0);
	ck_assert_int_eq(tool("create web04 --fill sparse", out, sizeof(out)),
	    2);
	ck_assert_int_eq(tool("create web01", out, sizeof(out)), 1);
	ck_assert_int_eq(tool("create", out, sizeof(out)), 2);
	ck_assert_int_eq(tool("frobnicate web01", out, sizeof(out)), 2);
	ck_assert_int_eq(tool("destroy web01", out, sizeof(out)), 0);
	ck_assert_int_eq(tool("counter web01", out, sizeof(out)), 1);
	ck_assert_uint_eq(ndoms(sim_a), 0);
}
END_TEST

static Suite *
hv_sim_suite(void)
{
	Suite	*s = suite_create("hv_sim");
	TCase	*tc;

	tc = tcase_create("domains");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_pause_stops_counter);
	tcase_add_test(tc, test_host_info);
	tcase_add_test(tc, test_tool);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_save_nonlive);
	tcase_add_test(tc, test_save_stream_io);
	tcase_add_test(tc, test_save_live);
	tcase_add_test(tc, test_save_idle);
	tcase_add_test(tc, test_save_max_rounds);
	tcase_add_test(tc, test_save_bytes_bound);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, hv_sim_errors_tcase());
	suite_add_tcase(s, hv_sim_zero_tcase());
	suite_add_tcase(s, hv_sim_throttle_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hv_sim_suite());
	int	 failed;

	suite_pid = getpid();
	srunner_run_all(sr, CK_ENV);
	sweep();
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
