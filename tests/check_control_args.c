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
 * The control suite's second file: the arguments of the methods through
 * the one typed path (xrelocd/control_args.c), as xend's xm sends them
 * and of every wrong type; a refused call queues nothing.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_control.h"
#include "common.h"
#include "xrelocd_fixture.h"

/* Nothing was queued, and no worker started. */
static void
assert_nothing_queued(void)
{
	ck_assert(TAILQ_EMPTY(&fx.x.jobs));
	ck_assert_uint_eq(fx.starts, 0);
}

/*
 * xend.domain.migrate as xm of Xen 3.3 to 4.4 calls it: live an int, ssl
 * nil (no -s).  The worker cannot start, so the call answers at once and
 * leaves the job's record to read.
 */
START_TEST(test_xend_migrate_as_xm)
{
	struct job	*j;

	(void)fx_uuid("web01");
	fx.fail_start = true;
	ck_assert_int_eq(call("xend.domain.migrate", "ssiiini", "web01",
	    "127.0.0.1", 1, 0, -1, 0), RELOC_OUT_FAILED);
	ck_assert_ptr_nonnull(j = job_find(&fx.x, 1));
	ck_assert(j->rec.live);
	ck_assert_str_eq(j->rec.port, "8002");
	ck_assert_int_eq(call("xend.domain.migrate", "ssiiini", "web01",
	    "127.0.0.1", 0, 9002, -1, 0), RELOC_OUT_FAILED);
	ck_assert_ptr_nonnull(j = job_find(&fx.x, 2));
	ck_assert(!j->rec.live);
	ck_assert_str_eq(j->rec.port, "9002");
	/* Only dom and dst are needed; nil anywhere else is the default. */
	ck_assert_int_eq(call("xend.domain.migrate", "ss", "web01",
	    "127.0.0.1"), RELOC_OUT_FAILED);
	ck_assert_int_eq(call("xend.domain.migrate", "ssnnnnn", "web01",
	    "127.0.0.1"), RELOC_OUT_FAILED);
	ck_assert(!job_find(&fx.x, 4)->rec.live);
	ck_assert_str_eq(job_find(&fx.x, 4)->rec.port, "8002");
	ck_assert_int_eq(call("xend.domain.migrate", "snnnnnn", "web01"),
	    FAULT_REQUEST);
	ck_assert_str_eq(fault_msg, "xend.domain.migrate: dst is missing: "
	    "it takes (dom, dst, live, port, node, ssl, chs)");
}
END_TEST

/* Each refused with fault 2 naming the argument: nothing moves. */
static const struct {
	const char	*fmt;
	int		 live, port, node, ssl, chs;
	const char	*port_s;
	const char	*says;
} xend_bad[] = {
	/* An n in fmt takes no value: the values after it move up one. */
	{ "ssiiiii", 1, 0, -1, 1, 0, NULL, "TLS relocation (-s) needs "
	    "this host's certificate" },
	{ "ssbiibi", 1, 0, -1, 1, 0, NULL, "migrate without -s" },
	{ "ssiiini", 2, 0, -1, 0, 0, NULL, "xend.domain.migrate: live must "
	    "be a boolean (true or false, or the int 0 or 1), not the int 2" },
	{ "sssiini", 0, 0, -1, 0, 0, "yes", "live must be a boolean" },
	{ "ssisini", 1, 0, -1, 0, 0, "8002", "xend.domain.migrate: port "
	    "must be a port number from 1 to 65535, or 0 for the configured "
	    "xend-relocation-port, not a string" },
	{ "ssiiini", 1, -5, -1, 0, 0, NULL, "xend.domain.migrate: port -5 "
	    "out of range: give 1 to 65535, or 0 for the configured "
	    "xend-relocation-port" },
	{ "ssiiini", 1, 65536, -1, 0, 0, NULL, "port 65536 out of range" },
	{ "ssiiini", 1, 0, 0, 0, 0, NULL, "-n NODE" },
	{ "ssiiiii", 1, 0, -1, 0, 1, NULL, "-c (change the home server" },
	{ "ssiiiniii", 1, 0, -1, 0, 0, NULL, "xend.domain.migrate takes 7 "
	    "arguments (dom, dst, live, port, node, ssl, chs), not 9" },
};

START_TEST(test_xend_migrate_bad)
{
	const char	*fmt = xend_bad[_i].fmt;
	int		 live = xend_bad[_i].live, port = xend_bad[_i].port;
	const char	*port_s = xend_bad[_i].port_s;

	(void)fx_uuid("web01");
	if (strcmp(fmt, "sssiini") == 0)
		call("xend.domain.migrate", fmt, "web01", "127.0.0.1", port_s,
		    port, -1, 0);
	else if (strcmp(fmt, "ssisini") == 0)
		call("xend.domain.migrate", fmt, "web01", "127.0.0.1", live,
		    port_s, -1, 0);
	else
		call("xend.domain.migrate", fmt, "web01", "127.0.0.1", live,
		    port, xend_bad[_i].node, xend_bad[_i].ssl,
		    xend_bad[_i].chs, 0, 0);
	ck_assert_int_eq(fault, FAULT_REQUEST);
	ck_assert_msg(strstr(fault_msg, xend_bad[_i].says) != NULL,
	    "'%s' does not say '%s'", fault_msg, xend_bad[_i].says);
	assert_nothing_queued();
}
END_TEST

/* ssl nil is xend-relocation-ssl, as in xend: yes is refused. */
START_TEST(test_xend_migrate_ssl_default)
{
	fx_teardown();
	fx_setup_conf("(xend-relocation-ssl yes)\n");
	(void)fx_uuid("web01");
	ck_assert_int_eq(call("xend.domain.migrate", "ssiiini", "web01",
	    "127.0.0.1", 1, 0, -1, 0), FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "xend-relocation-ssl is yes"));
	assert_nothing_queued();
	/* Asked for without TLS, it moves. */
	fx.fail_start = true;
	ck_assert_int_eq(call("xend.domain.migrate", "ssiiiii", "web01",
	    "127.0.0.1", 1, 0, -1, 0, 0), RELOC_OUT_FAILED);
}
END_TEST

/* xrelocd.migrate with one member set to v: fault 2 saying says. */
static void
migrate_refused(const char *member, struct reloc_xv *v, const char *says)
{
	struct reloc_xv	*st = opts("web01");

	ck_assert_int_eq(reloc_xv_struct_set(st, member, v), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	ck_assert_msg(strstr(fault_msg, says) != NULL, "'%s' does not say "
	    "'%s'", fault_msg, says);
	assert_nothing_queued();
}

START_TEST(test_migrate_types)
{
	struct reloc_xv	*v, *a;

	(void)fx_uuid("web01");
	OK_XV(reloc_xv_new_string("yes", &v));
	migrate_refused("check", v, "xrelocd.migrate: check must be a "
	    "boolean (true or false, or the int 0 or 1), not a string");
	OK_XV(reloc_xv_new_array(&a));
	OK_XV(reloc_xv_new_int(1, &v));
	OK_XV(reloc_xv_array_append(a, v));
	migrate_refused("force", a, "xrelocd.migrate: force must be an "
	    "array of strings, not of the int 1 (element 0)");
	OK_XV(reloc_xv_new_string("cpu", &v));
	migrate_refused("force", v, "force must be an array of strings, "
	    "not a string");
	OK_XV(reloc_xv_new_string("8002", &v));
	migrate_refused("port", v, "port must be a port number");
	OK_XV(reloc_xv_new_base64("ODAwMg==", &v));
	migrate_refused("port", v, "xend-relocation-port, not base64 data");
	OK_XV(reloc_xv_new_datetime("20261130T01:02:03", &v));
	migrate_refused("host", v, "host must be a string, not a "
	    "dateTime.iso8601");
	OK_XV(reloc_xv_new_int(-5, &v));
	migrate_refused("port", v, "port -5 out of range");
	OK_XV(reloc_xv_new_int(1, &v));
	migrate_refused("ssl", v, "migrate without -s");
	OK_XV(reloc_xv_new_double(1.0, &v));
	migrate_refused("live", v, "live must be a boolean");
	OK_XV(reloc_xv_new_int(5, &v));
	migrate_refused("priority", v, "priority must be a string");
	OK_XV(reloc_xv_new_string("gzip", &v));
	migrate_refused("compress", v, "compress 'gzip': use none, lz4, zstd "
	    "or auto");
	OK_XV(reloc_xv_new_int(-1, &v));
	migrate_refused("max-downtime", v, "max-downtime -1 out of range");
	OK_XV(reloc_xv_new_string("300", &v));
	migrate_refused("max-downtime", v, "max-downtime must be an int");
	OK_XV(reloc_xv_new_int(86401, &v));
	migrate_refused("timeout", v, "timeout 86401 out of range");
	OK_XV(reloc_xv_new_bool(true, &v));
	migrate_refused("chk", v, "xrelocd.migrate: unknown member 'chk': "
	    "use domain, host, live, check, ssl, node, port, rate, "
	    "compress, streams, max-downtime, timeout, priority, force");
	OK_XV(reloc_xv_new_bool(true, &v));
	migrate_refused("x\ny", v, "unknown member 'x?y'");
	ck_assert_int_eq(call("xrelocd.migrate", "s", "web01"),
	    FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "takes a struct of options"));
	ck_assert_int_eq(call("xrelocd.migrate", "xx", opts("web01"),
	    opts("web01")), FAULT_REQUEST);
	assert_nothing_queued();
	/* The ints 0 and 1 are booleans, nil leaves the default. */
	a = opts("web01");
	OK_XV(reloc_xv_struct_set_int(a, "live", 0));
	OK_XV(reloc_xv_struct_set_int(a, "check", 1));
	OK_XV(reloc_xv_new_nil(&v));
	OK_XV(reloc_xv_struct_set(a, "port", v));
	ck_assert_int_eq(call("xrelocd.migrate", "x", a), 0);
	ck_assert(!job_find(&fx.x, 1)->rec.live);
	ck_assert(job_find(&fx.x, 1)->rec.check);
	ck_assert_str_eq(job_find(&fx.x, 1)->rec.port, "8002");
}
END_TEST

/* The typed path alone: defaults kept, the given ones flagged. */
struct t_args {
	const char	*s;
	bool		 b;
	int64_t		 i;
};

static const struct ctl_arg t_spec[] = {
	{ "s", CTL_ARG_STRING, true, 0, 0, offsetof(struct t_args, s) },
	{ "b", CTL_ARG_BOOL, false, 0, 0, offsetof(struct t_args, b) },
	{ "i", CTL_ARG_INT, false, -3, 3, offsetof(struct t_args, i) },
};

START_TEST(test_args_decoding)
{
	struct t_args	 a = { NULL, true, 7 };
	struct reloc_xv	*p, *v;
	uint32_t	 given = 0;
	char		*why = NULL;

	OK_XV(reloc_xv_new_array(&p));
	OK_XV(reloc_xv_new_string("x", &v));
	OK_XV(reloc_xv_array_append(p, v));
	OK_XV(reloc_xv_new_nil(&v));
	OK_XV(reloc_xv_array_append(p, v));
	ck_assert_int_eq(control_args_params("m", p, t_spec, 3, &a, &given,
	    &why), 0);
	ck_assert_str_eq(a.s, "x");
	ck_assert(a.b);
	ck_assert_int_eq(a.i, 7);
	ck_assert_uint_eq(given, 1);
	OK_XV(reloc_xv_new_i8(-4, &v));
	OK_XV(reloc_xv_array_append(p, v));
	ck_assert_int_eq(control_args_params("m", p, t_spec, 3, &a, &given,
	    &why), -1);
	ck_assert_str_eq(why, "m: i -4 out of range: give -3 to 3");
	free(why);
	reloc_xv_free(p);
	OK_XV(reloc_xv_new_struct(&p));
	OK_XV(reloc_xv_struct_set_int(p, "b", 0));
	ck_assert_int_eq(control_args_struct("m", p, t_spec, 3, &a, &given,
	    &why), -1);
	ck_assert_str_eq(why, "m needs member s");
	free(why);
	OK_XV(reloc_xv_struct_set_string(p, "s", "y"));
	ck_assert_int_eq(control_args_struct("m", p, t_spec, 3, &a, &given,
	    &why), 0);
	ck_assert(!a.b);
	ck_assert_str_eq(a.s, "y");
	ck_assert_uint_eq(given, 3);
	reloc_xv_free(p);
}
END_TEST

TCase *
control_args_tcase(void)
{
	TCase	*tc = tcase_create("arguments");

	tcase_add_checked_fixture(tc, control_setup, control_teardown);
	tcase_add_test(tc, test_xend_migrate_as_xm);
	tcase_add_loop_test(tc, test_xend_migrate_bad, 0,
	    sizeof(xend_bad) / sizeof(xend_bad[0]));
	tcase_add_test(tc, test_xend_migrate_ssl_default);
	tcase_add_test(tc, test_migrate_types);
	tcase_add_test(tc, test_args_decoding);
	return tc;
}
