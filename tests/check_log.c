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
 * Check suite for log.c and err.c: levels, the sink, errno handling and
 * the error strings.
 */

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

START_TEST(test_levels_filter)
{
	capture_start();
	reloc_log_set_level(RELOC_LOG_WARN);
	log_info("t", "hidden %d", 1);
	log_warnx("t", "shown %d", 2);
	ck_assert(!capture_has("hidden"));
	ck_assert(capture_has("warn: t: shown 2"));
	capture_stop();
}
END_TEST

START_TEST(test_errno_kept)
{
	capture_start();
	errno = ENOENT;
	log_warn("t", "open %s", "x");
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(capture_has("open x: No such file or directory"));
	capture_stop();
}
END_TEST

START_TEST(test_vis)
{
	char	buf[64];

	ck_assert_uint_eq(reloc_log_vis(buf, sizeof(buf), "web01"), 5);
	ck_assert_str_eq(buf, "web01");
	reloc_log_vis(buf, sizeof(buf), "a\nb\tc\rd\x1b[31m\x7f\x01");
	ck_assert_str_eq(buf, "a\\nb\\tc\\rd\\x1b[31m\\x7f\\x01");
	/* Bytes above 0x7f (UTF-8 names) are kept. */
	reloc_log_vis(buf, sizeof(buf), "caf\xc3\xa9");
	ck_assert_str_eq(buf, "caf\xc3\xa9");
	/* Truncated whole: never half an escape. */
	ck_assert_uint_eq(reloc_log_vis(buf, 6, "ab\x1b"), 2);
	ck_assert_str_eq(buf, "ab");
}
END_TEST

/* What reaches the sink is one line, whatever the arguments held. */
START_TEST(test_sink_one_line)
{
	capture_start();
	log_warnx("t", "domain %s gone", "evil\nwarn: forged");
	ck_assert(capture_has("domain evil\\nwarn: forged gone"));
	ck_assert_uint_eq(capture_count("forged"), 1);
	ck_assert(strstr(capture_text(), "\nwarn: forged") == NULL);
	capture_stop();
}
END_TEST

START_TEST(test_rate)
{
	struct reloc_log_rate	lr = RELOC_LOG_RATE_INIT;
	unsigned		dropped = 99, i, allowed = 0;

	for (i = 0; i < 100; i++)
		if (reloc_log_rate_allow(&lr, 3, 3600, &dropped))
			allowed++;
	ck_assert_uint_eq(allowed, 3);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(lr.dropped, 97);
	/* A new interval: the next line carries the count held back. */
	lr.start_s -= 3600;
	ck_assert(reloc_log_rate_allow(&lr, 3, 3600, &dropped));
	ck_assert_uint_eq(dropped, 97);
}
END_TEST

START_TEST(test_level_parse)
{
	enum reloc_log_level l;

	ck_assert_int_eq(reloc_log_level_parse("DEBUG", &l), 0);
	ck_assert_int_eq(l, RELOC_LOG_DEBUG);
	ck_assert_int_eq(reloc_log_level_parse("Warning", &l), 0);
	ck_assert_int_eq(l, RELOC_LOG_WARN);
	ck_assert_int_eq(reloc_log_level_parse("loud", &l), RELOC_ERR_INVAL);
}
END_TEST

START_TEST(test_strerror_all)
{
	int rc;

	for (rc = 0; rc >= RELOC_ERR_BUSY; rc--)
		ck_assert_str_ne(reloc_strerror(rc), "unknown error");
	ck_assert_str_eq(reloc_strerror(-1000), "unknown error");
	ck_assert_int_eq(reloc__errno_to_err(ENOSPC), RELOC_ERR_NOSPC);
}
END_TEST

/* Each way a connect fails keeps its own code, so the fix can follow. */
START_TEST(test_errno_connect)
{
	ck_assert_int_eq(reloc__errno_to_err(ECONNREFUSED), RELOC_ERR_REFUSED);
	ck_assert_int_eq(reloc__errno_to_err(ETIMEDOUT), RELOC_ERR_TIMEOUT);
	ck_assert_int_eq(reloc__errno_to_err(ENETUNREACH),
	    RELOC_ERR_UNREACHABLE);
	ck_assert_int_eq(reloc__errno_to_err(EHOSTUNREACH),
	    RELOC_ERR_UNREACHABLE);
	ck_assert_int_eq(reloc__errno_to_err(ENETDOWN), RELOC_ERR_UNREACHABLE);
	ck_assert_int_eq(reloc__errno_to_err(EHOSTDOWN), RELOC_ERR_UNREACHABLE);
	ck_assert_int_eq(reloc__errno_to_err(ECONNRESET), RELOC_ERR_CLOSED);
	ck_assert_int_eq(reloc__errno_to_err(EIO), RELOC_ERR_IO);
	ck_assert_str_eq(reloc_strerror(RELOC_ERR_REFUSED),
	    "connection refused");
	ck_assert_str_eq(reloc_strerror(RELOC_ERR_NONAME),
	    "host name not resolved");
}
END_TEST

START_TEST(test_gai_to_err)
{
	ck_assert_int_eq(reloc__gai_to_err(0, 0), RELOC_OK);
	ck_assert_int_eq(reloc__gai_to_err(EAI_NONAME, 0), RELOC_ERR_NONAME);
	ck_assert_int_eq(reloc__gai_to_err(EAI_AGAIN, 0), RELOC_ERR_NONAME);
	ck_assert_int_eq(reloc__gai_to_err(EAI_FAIL, 0), RELOC_ERR_NONAME);
	ck_assert_int_eq(reloc__gai_to_err(EAI_SERVICE, 0), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__gai_to_err(EAI_MEMORY, 0), RELOC_ERR_NOMEM);
	ck_assert_int_eq(reloc__gai_to_err(EAI_SYSTEM, ECONNREFUSED),
	    RELOC_ERR_REFUSED);
	ck_assert_int_eq(reloc__gai_to_err(EAI_SYSTEM, EIO), RELOC_ERR_IO);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");

	tcase_add_test(tc, test_levels_filter);
	tcase_add_test(tc, test_errno_kept);
	tcase_add_test(tc, test_level_parse);
	tcase_add_test(tc, test_vis);
	tcase_add_test(tc, test_sink_one_line);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_strerror_all);
	suite_add_tcase(s, tc);
	tc = tcase_create("err");
	tcase_add_test(tc, test_errno_connect);
	tcase_add_test(tc, test_gai_to_err);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
