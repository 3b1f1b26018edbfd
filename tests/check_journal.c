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
 * Check suite for journal.c: the journal's files, their order, leftovers,
 * corrupt files and full disks, and process start times.
 */

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "record_fixture.h"

static void
prctl_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		_exit(1);
}


/* ---------------------------------------------------------------- journal */

static char	*jdir;

static void
journal_setup(void)
{
	log_silence();
	jdir = test_tmpdir("journal");
}

static void
journal_teardown(void)
{
	rm_rf(jdir);
	free(jdir);
	jdir = NULL;
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A minimal record id of the given role, started at s, job j. */
static void
small_record(struct reloc_record *r, const char *id, enum reloc_role role,
    int64_t s, unsigned j)
{
	reloc_record_init(r, role);
	memcpy(r->id, id, RELOC_RECORD_ID_LEN);
	r->started_s = s;
	r->job = j;
}

START_TEST(test_journal_round_trip)
{
	struct reloc_record	a, b;
	char			path[4096], why[256], *sub;

	ck_assert_int_ge(asprintf(&sub, "%s/x/y", jdir), 0);
	ck_assert_int_eq(reloc_journal_check(sub, why, sizeof(why)), 0);
	ck_assert_uint_eq(mode_of(sub), 0700);
	make_record(&a);
	ck_assert_int_eq(reloc_journal_put(sub, &a), 0);
	snprintf(path, sizeof(path), "%s/%s.source", sub, ID);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_SOURCE, &b), 0);
	assert_record_eq(&a, &b);
	reloc_record_dispose(&b);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_TARGET, &b),
	    RELOC_ERR_NOENT);
	/* A second put replaces the first. */
	a.queries = 9;
	ck_assert_int_eq(reloc_journal_put(sub, &a), 0);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_SOURCE, &b), 0);
	ck_assert_uint_eq(b.queries, 9);
	reloc_record_dispose(&a);
	reloc_record_dispose(&b);
	free(sub);
}
END_TEST

START_TEST(test_journal_check_fails)
{
	struct reloc_record	 r;
	char			 why[512], *file, *sub;

	file = write_file(jdir, "plain", "not a directory\n");
	ck_assert_int_ge(asprintf(&sub, "%s/journal", file), 0);
	ck_assert_int_eq(reloc_journal_check(sub, why, sizeof(why)),
	    RELOC_ERR_IO);
	ck_assert(strstr(why, sub) != NULL);
	ck_assert(strstr(why, "Not a directory") != NULL);
	small_record(&r, ID, RELOC_ROLE_SOURCE, 1, 1);
	capture_start();
	ck_assert_int_eq(reloc_journal_put(sub, &r), RELOC_ERR_IO);
	ck_assert(capture_has(sub));
	capture_stop();
	/* An id that is not a uuid names no file. */
	memcpy(r.id, "../../etc/passwd", 17);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc_journal_get(jdir, "../x", RELOC_ROLE_SOURCE,
	    &r), RELOC_ERR_INVAL);
	free(sub);
	free(file);
}
END_TEST

START_TEST(test_journal_list_order)
{
	static const char *const ids[] = {
		"00000000-0000-4000-8000-000000000003",
		"00000000-0000-4000-8000-000000000001",
		"00000000-0000-4000-8000-000000000002",
	};
	struct reloc_record	 r, *recs = NULL;
	size_t			 n = 9, i;

	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(recs);
	/* Both roles of one id, on one host. */
	small_record(&r, ids[0], RELOC_ROLE_SOURCE, 300, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[0], RELOC_ROLE_TARGET, 200, 7);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[1], RELOC_ROLE_SOURCE, 200, 2);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[2], RELOC_ROLE_SOURCE, 100, 9);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	ck_assert_uint_eq(n, 4);
	/* Oldest first, then by job. */
	ck_assert_str_eq(recs[0].id, ids[2]);
	ck_assert_str_eq(recs[1].id, ids[1]);
	ck_assert_str_eq(recs[2].id, ids[0]);
	ck_assert_int_eq(recs[2].role, RELOC_ROLE_TARGET);
	ck_assert_str_eq(recs[3].id, ids[0]);
	ck_assert_int_eq(recs[3].role, RELOC_ROLE_SOURCE);
	for (i = 0; i < n; i++)
		reloc_record_dispose(&recs[i]);
	free(recs);
}
END_TEST

static size_t
list_count(void)
{
	struct reloc_record	*recs = NULL;
	size_t			 n = 0, i;

	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	for (i = 0; i < n; i++)
		reloc_record_dispose(&recs[i]);
	free(recs);
	return n;
}

static bool
exists(const char *dir, const char *name)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

#define ID3	"2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"

/* Set a file's times seconds back. */
static void
age(const char *dir, const char *name, time_t seconds)
{
	struct timespec	ts[2];
	char		path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= seconds;
	ts[1] = ts[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

START_TEST(test_journal_leftovers)
{
	struct reloc_record	 r;
	char			*p;

	small_record(&r, ID, RELOC_ROLE_SOURCE, 10, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	/* A crash between write and rename, minutes ago: half a record. */
	free(write_file(jdir, ID ".source.tmp", "(migration (id " ID));
	free(write_file(jdir, ID2 ".target.tmp", "(migr"));
	age(jdir, ID ".source.tmp", 120);
	age(jdir, ID2 ".target.tmp", 120);
	/* A write under way in a worker right now: left alone. */
	free(write_file(jdir, ID3 ".source.tmp", "(migration (id " ID3));
	/* Names that are not ID.ROLE are not the journal's. */
	free(write_file(jdir, "README", "(not a record"));
	free(write_file(jdir, ID ".middle", "(migration)"));
	free(write_file(jdir, "web01.source", "(migration)"));
	capture_start();
	ck_assert_uint_eq(list_count(), 1);
	ck_assert(!exists(jdir, ID ".source.tmp"));
	ck_assert(!exists(jdir, ID2 ".target.tmp"));
	ck_assert(exists(jdir, ID3 ".source.tmp"));
	ck_assert(exists(jdir, "README"));
	ck_assert(exists(jdir, ID ".middle"));
	ck_assert(!capture_has("err:"));
	ck_assert_int_ge(asprintf(&p, "%s/%s.source.tmp: removed", jdir, ID),
	    0);
	ck_assert(capture_has(p));
	capture_stop();
	free(p);
}
END_TEST

START_TEST(test_journal_corrupt)
{
	struct reloc_record	 r;
	char			*bad1, *bad2, *bad3, *want;

	small_record(&r, ID, RELOC_ROLE_SOURCE, 10, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	bad1 = write_file(jdir, ID2 ".source",
	    "(migration (id " ID2 ")\n (role source) (job x))\n");
	bad2 = write_file(jdir, ID2 ".target", "(migration (id \"" ID2 "\n");
	/* A record under another's name is not that record. */
	bad3 = write_file(jdir, ID ".target",
	    "(migration (id " ID2 ") (role target))\n");
	capture_start();
	ck_assert_uint_eq(list_count(), 1);
	ck_assert_int_ge(asprintf(&want, "%s:2:21: job: 'x' is not", bad1), 0);
	if (!capture_has(want))
		ck_abort_msg("want \"%s\" in:\n%s", want, capture_text());
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s:1:", bad2), 0);
	ck_assert(capture_has(want));
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s:1:1: holds the record", bad3), 0);
	ck_assert(capture_has(want));
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s: skipped", bad1), 0);
	ck_assert(capture_has(want));
	capture_stop();
	/* Skipped, not removed: the admin decides. */
	ck_assert_int_eq(access(bad1, F_OK), 0);
	ck_assert_int_eq(reloc_journal_get(jdir, ID2, RELOC_ROLE_SOURCE, &r),
	    RELOC_ERR_PROTO);
	free(want);
	free(bad1);
	free(bad2);
	free(bad3);
}
END_TEST

START_TEST(test_journal_trim)
{
	static const struct {
		const char	*id;
		int64_t		 started_s;
		int		 outcome;
		bool		 stays;
	} recs[] = {
		{ "00000000-0000-4000-8000-000000000001", 1, -1, true },
		{ "00000000-0000-4000-8000-000000000002", 2, 0, false },
		{ "00000000-0000-4000-8000-000000000003", 3, 1, false },
		{ "00000000-0000-4000-8000-000000000004", 4, 3, true },
		{ "00000000-0000-4000-8000-000000000005", 5, 0, true },
		{ "00000000-0000-4000-8000-000000000006", 6, -1, true },
	};
	struct reloc_record	r;
	char			name[64];
	size_t			i, n = sizeof(recs) / sizeof(recs[0]);

	for (i = 0; i < n; i++) {
		small_record(&r, recs[i].id, RELOC_ROLE_SOURCE,
		    recs[i].started_s, 1);
		r.outcome = recs[i].outcome;
		ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	}
	ck_assert_int_eq(reloc_journal_trim(jdir, 2), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.source", recs[i].id);
		ck_assert_msg(exists(jdir, name) == recs[i].stays, "%s", name);
	}
	/* Keeping none leaves the unfinished ones only. */
	ck_assert_int_eq(reloc_journal_trim(jdir, 0), 0);
	ck_assert_uint_eq(list_count(), 2);
}
END_TEST

/* ---------------------------------------------------------------- full disk */

static char	*mnt;

static void
nospc_teardown(void)
{
	if (mnt != NULL) {
		umount2(mnt, MNT_DETACH);
		free(mnt);
		mnt = NULL;
	}
	journal_teardown();
}

/* Fill the file system at dir until it refuses a byte more. */
static void
fill(const char *dir)
{
	static const char	 block[512];
	char			 path[4096];
	ssize_t			 n;
	int			 fd;

	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	while ((n = write(fd, block, sizeof(block))) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}

START_TEST(test_journal_nospc)
{
	struct reloc_record	 r, back;
	char			 path[4096], why[512];

	if (geteuid() != 0) {
		fprintf(stderr, "test_journal_nospc: skipped, needs root to "
		    "mount a tmpfs\n");
		return;
	}
	ck_assert_int_ge(asprintf(&mnt, "%s/small", jdir), 0);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") == -1) {
		fprintf(stderr, "test_journal_nospc: skipped, mount tmpfs: "
		    "%s\n", strerror(errno));
		free(mnt);
		mnt = NULL;
		return;
	}
	make_record(&r);
	ck_assert_int_eq(reloc_journal_put(mnt, &r), 0);
	fill(mnt);
	r.queries = 77;
	memset(r.message, 'x', sizeof(r.message) - 1);
	capture_start();
	ck_assert_int_eq(reloc_journal_put(mnt, &r), RELOC_ERR_NOSPC);
	ck_assert(capture_has("No space left on device"));
	capture_stop();
	ck_assert_int_eq(reloc_journal_check(mnt, why, sizeof(why)),
	    RELOC_ERR_NOSPC);
	ck_assert(strstr(why, "No space left on device") != NULL);
	/* The old record stands, whole, and no .tmp is left. */
	ck_assert_int_eq(reloc_journal_get(mnt, ID, RELOC_ROLE_SOURCE, &back),
	    0);
	ck_assert_uint_eq(back.queries, 3);
	snprintf(path, sizeof(path), "%s/%s.source.tmp", mnt, ID);
	ck_assert_int_eq(access(path, F_OK), -1);
	reloc_record_dispose(&back);
	reloc_record_dispose(&r);
}
END_TEST

/* ---------------------------------------------------------------- pids */

START_TEST(test_pid_self)
{
	uint64_t	start = reloc_pid_start(getpid());

	ck_assert_uint_ne(start, 0);
	ck_assert_uint_eq(reloc_pid_start(getpid()), start);
	ck_assert(reloc_pid_alive(getpid(), start));
	ck_assert(!reloc_pid_alive(getpid(), start + 1));
	ck_assert(!reloc_pid_alive(getpid(), 0));
	ck_assert_uint_eq(reloc_pid_start(0), 0);
	ck_assert_uint_eq(reloc_pid_start(-1), 0);
}
END_TEST

struct zombie {
	pid_t		pid;
	uint64_t	start;
};

static bool
is_dead(void *arg)
{
	const struct zombie	*z = arg;

	return !reloc_pid_alive(z->pid, z->start);
}

/* A child named with spaces and parentheses, killed, then reaped. */
START_TEST(test_pid_child)
{
	struct zombie	z;
	int		fds[2], status;
	char		c;

	ck_assert_int_eq(pipe(fds), 0);
	if ((z.pid = fork()) == 0) {
		close(fds[0]);
		prctl_name("a) (b c) ");
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_gt(z.pid, 0);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	z.start = reloc_pid_start(z.pid);
	ck_assert_uint_ne(z.start, 0);
	ck_assert(reloc_pid_alive(z.pid, z.start));
	ck_assert_uint_eq(reloc_pid_start(z.pid), z.start);
	/* Killed but not reaped: a zombie, which runs no more. */
	ck_assert_int_eq(kill(z.pid, SIGKILL), 0);
	ck_assert(wait_until(is_dead, &z, WAIT_MS));
	ck_assert_int_eq(waitpid(z.pid, &status, 0), z.pid);
	ck_assert_uint_eq(reloc_pid_start(z.pid), 0);
	ck_assert(!reloc_pid_alive(z.pid, z.start));
}
END_TEST


static Suite *
journal_suite(void)
{
	Suite	*s = suite_create("journal");
	TCase	*tc;

	tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, journal_setup, journal_teardown);
	tcase_add_test(tc, test_journal_round_trip);
	tcase_add_test(tc, test_journal_check_fails);
	tcase_add_test(tc, test_journal_list_order);
	tcase_add_test(tc, test_journal_leftovers);
	tcase_add_test(tc, test_journal_corrupt);
	tcase_add_test(tc, test_journal_trim);
	suite_add_tcase(s, tc);

	tc = tcase_create("full_disk");
	tcase_add_checked_fixture(tc, journal_setup, nospc_teardown);
	tcase_add_test(tc, test_journal_nospc);
	suite_add_tcase(s, tc);

	tc = tcase_create("pid");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_pid_self);
	tcase_add_test(tc, test_pid_child);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(journal_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
