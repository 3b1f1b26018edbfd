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
 * Check suite for allow.c: the match table (addresses, prefixes, mapped
 * IPv4, whole-match regexes against xend's prefix match, names, empty and
 * open lists), compile errors and warnings, entries, name lookup, and
 * the patterns whose compile cost has no bound (allow_regex.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "reloc.h"

/* A peer address in a sockaddr of the right family. */
static socklen_t
mkpeer(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
		return sizeof(*sin);
	}
	ck_assert_msg(inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1,
	    "bad test address %s", s);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(40000);
	return sizeof(*sin6);
}

static const struct match_case {
	const char	*spec;
	const char	*peer;
	const char	*name;
	bool		 want;
} cases[] = {
	/* single addresses */
	{ "192.0.2.7", "192.0.2.7", NULL, true },
	{ "192.0.2.7", "192.0.2.70", NULL, false },
	{ "192.0.2.7", "192.0.2.8", NULL, false },
	{ "10.0.0.1", "10.0.0.123", NULL, false },
	{ "10.0.0.1/32", "10.0.0.1", NULL, true },
	{ "::1", "::1", NULL, true },
	{ "::1", "127.0.0.1", NULL, false },
	{ "2001:DB8::0:1", "2001:db8::1", NULL, true },
	/* IPv4 prefixes */
	{ "10.0.0.0/24", "10.0.0.255", NULL, true },
	{ "10.0.0.0/24", "10.0.1.0", NULL, false },
	{ "10.0.0.0/8", "10.255.1.2", NULL, true },
	{ "10.0.0.0/25", "10.0.0.127", NULL, true },
	{ "10.0.0.0/25", "10.0.0.128", NULL, false },
	{ "0.0.0.0/0", "203.0.113.9", NULL, true },
	{ "0.0.0.0/0", "2001:db8::1", NULL, false },
	{ "10.0.0.1/24", "10.0.0.200", NULL, true },
	/* IPv6 prefixes */
	{ "fd00::/64", "fd00::1234", NULL, true },
	{ "fd00::/64", "fd00:0:0:1::1", NULL, false },
	{ "2001:db8::/32", "2001:db8:ffff::1", NULL, true },
	{ "2001:db8::/33", "2001:db8:8000::1", NULL, false },
	{ "fe80::/10", "febf::1", NULL, true },
	{ "::/0", "::1", NULL, true },
	{ "::/0", "10.0.0.1", NULL, false },
	/* IPv4-mapped peers and entries */
	{ "10.0.0.5", "::ffff:10.0.0.5", NULL, true },
	{ "10.0.0.0/24", "::ffff:10.0.0.77", NULL, true },
	{ "10.0.0.0/24", "::ffff:10.0.1.77", NULL, false },
	{ "10\\.0\\.0\\.5", "::ffff:10.0.0.5", NULL, true },
	{ "::ffff:10.0.0.5", "10.0.0.5", NULL, true },
	{ "::ffff:10.0.0.0/120", "10.0.0.9", NULL, true },
	/* regexes match the whole address (xend: a prefix was enough) */
	{ "10\\.0\\.0\\.1", "10.0.0.1", NULL, true },
	{ "10\\.0\\.0\\.1", "10.0.0.123", NULL, false },
	{ "192\\.0\\.2\\.[0-9]+", "192.0.2.99", NULL, true },
	{ "192\\.0\\.2\\.[0-9]+", "192.0.20.1", NULL, false },
	{ "[0-9A-F:]+", "2001:db8::1", NULL, true },
	/* regexes match the whole name, case-insensitively */
	{ "^host[0-9]+$", "192.0.2.1", "host12", true },
	{ "^host[0-9]+$", "192.0.2.1", "host12.example.org", false },
	{ "host", "192.0.2.1", "hostile", false },
	{ "host.*", "192.0.2.1", "hostile", true },
	{ "HOST1\\.example\\.org", "192.0.2.1", "host1.EXAMPLE.org", true },
	{ "web01\\.example\\.org", "192.0.2.1", NULL, false },
	{ "a|b", "192.0.2.1", "b", true },
	{ "a|b", "192.0.2.1", "ab", false },
	{ "localhost", "127.0.0.1", "localhost.localdomain", false },
	{ "^localhost$ ^localhost\\.localdomain$", "127.0.0.1",
	    "localhost.localdomain", true },
	/* an address entry never matches a name */
	{ "192.0.2.7", "192.0.2.8", "192.0.2.7", false },
	/* empty entries are ignored, never "allow all" */
	{ "192.0.2.1  192.0.2.2", "192.0.2.3", NULL, false },
	{ "192.0.2.1  192.0.2.2", "192.0.2.2", NULL, true },
	{ " 192.0.2.1", "192.0.2.9", "anything", false },
	{ "192.0.2.1 ", "192.0.2.1", NULL, true },
	/* open list and no entries */
	{ "", "203.0.113.1", NULL, true },
	{ "", "2001:db8::99", NULL, true },
	{ "   ", "203.0.113.1", NULL, false },
	{ "\t\n", "203.0.113.1", "host1", false },
	/* repetitions that stay cheap, brackets holding operators */
	{ "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", "10.1.22.133",
	    NULL, true },
	{ "[a-z]+[+*?]", "192.0.2.1", "web+", true },
	{ "[[:alpha:]]+[0-9]?\\.example\\.org", "192.0.2.1", "db.example.org",
	    true },
	/* mixed lists */
	{ "192.0.2.1 198.51.100.0/24 ^db[0-9]$", "198.51.100.200", NULL,
	    true },
	{ "192.0.2.1 198.51.100.0/24 ^db[0-9]$", "203.0.113.1", "db7", true },
	{ "192.0.2.1 198.51.100.0/24 ^db[0-9]$", "203.0.113.1", "db77",
	    false },
	{ "192.0.2.1\tfd00::/8\n^db[0-9]$", "fdff::1", NULL, true },
};

START_TEST(test_match_table)
{
	const struct match_case	*c = &cases[_i];
	struct reloc_allow	*a = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	len = mkpeer(c->peer, &ss);
	ck_assert_int_eq(reloc_allow_compile(c->spec, "t", &a), 0);
	ck_assert_msg(reloc_allow_match(a, (struct sockaddr *)&ss, len,
	    c->name) == c->want, "case %d: spec '%s' peer %s name %s: want %s",
	    _i, c->spec, c->peer, c->name ? c->name : "(none)",
	    c->want ? "allow" : "deny");
	reloc_allow_free(a);
}
END_TEST

START_TEST(test_empty_entry_warns)
{
	struct reloc_allow	*a = NULL;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile("^a$  ^b$", "f.sxp:3:5", &a), 0);
	ck_assert(capture_has("warn: allow: f.sxp:3:5: empty entry in "
	    "xend-relocation-hosts-allow ignored (xend would have allowed "
	    "every host)"));
	ck_assert_int_eq(reloc_allow_count(a), 2);
	ck_assert(!reloc_allow_is_open(a));
	reloc_allow_free(a);
	capture_clear();
	ck_assert_int_eq(reloc_allow_compile("^a$ ^b$", NULL, &a), 0);
	ck_assert(!capture_has("empty entry"));
	reloc_allow_free(a);
	capture_stop();
}
END_TEST

START_TEST(test_blank_denies_all)
{
	struct reloc_allow	*a = NULL;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile("  ", "f:1:2", &a), 0);
	ck_assert(!reloc_allow_is_open(a));
	ck_assert_int_eq(reloc_allow_count(a), 0);
	ck_assert(capture_has("f:1:2: xend-relocation-hosts-allow has no "
	    "entries: every host is denied"));
	reloc_allow_free(a);
	ck_assert_int_eq(reloc_allow_compile("", NULL, &a), 0);
	ck_assert(reloc_allow_is_open(a));
	ck_assert(!reloc_allow_needs_name(a));
	reloc_allow_free(a);
	capture_stop();
}
END_TEST

static const char *const bad_specs[] = {
	"(", "host[", "a{2,1}", "10.0.0.0/33", "fd00::/129", "10.0.0.0/",
	"10.0.0.0/-1", "10.0.0.0/8/8", "::1/1x", "192.0.2.1 *x",
	/* what would make regcomp exhaust memory, or python re refuse */
	"a++", "h*+", "x{2}{3}",
	"(((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)",
	"((a{300}){300})", "a{99999999999999999999999}",
};

START_TEST(test_compile_errors)
{
	struct reloc_allow	*a = NULL;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile(bad_specs[_i], "c.sxp:9:1", &a),
	    RELOC_ERR_CONFIG);
	ck_assert_ptr_null(a);
	ck_assert_msg(capture_has("err: allow: c.sxp:9:1: "), "%s",
	    capture_text());
	capture_stop();
}
END_TEST

START_TEST(test_all_errors_reported)
{
	struct reloc_allow	*a = NULL;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile("( ok 10.0.0.0/40 [", "w", &a),
	    RELOC_ERR_CONFIG);
	ck_assert_int_eq(capture_count("err: allow: w: "), 3);
	ck_assert(capture_has("bad prefix length"));
	ck_assert(capture_has("bad regular expression"));
	capture_stop();
	ck_assert_int_eq(reloc_allow_compile(NULL, NULL, &a), RELOC_ERR_INVAL);
}
END_TEST

START_TEST(test_host_bits_warn)
{
	struct reloc_allow	*a = NULL;
	const char		*text;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile("10.1.2.3/16", "h", &a), 0);
	ck_assert(capture_has("warn: allow: h: xend-relocation-hosts-allow "
	    "entry '10.1.2.3/16' has host bits set"));
	ck_assert_int_eq(reloc_allow_entry(a, 0, &text), RELOC_ALLOW_PREFIX);
	ck_assert_str_eq(text, "10.1.0.0/16");
	reloc_allow_free(a);
	capture_stop();
}
END_TEST

START_TEST(test_entries)
{
	static const struct {
		enum reloc_allow_kind	 kind;
		const char		*text;
	} want[] = {
		{ RELOC_ALLOW_ADDR, "192.0.2.7" },
		{ RELOC_ALLOW_PREFIX, "10.0.0.0/24" },
		{ RELOC_ALLOW_PREFIX, "fd00::/64" },
		{ RELOC_ALLOW_ADDR, "10.0.0.5" },
		{ RELOC_ALLOW_ADDR, "10.0.0.9" },
		{ RELOC_ALLOW_ADDR, "::1" },
		{ RELOC_ALLOW_REGEX, "^host[0-9]+$" },
	};
	struct reloc_allow	*a = NULL;
	const char		*text;
	size_t			 i;

	log_silence();
	ck_assert_int_eq(reloc_allow_compile("192.0.2.7 10.0.0.0/24 "
	    "FD00:0::/64 ::ffff:10.0.0.5 10.0.0.9/32 0::1 ^host[0-9]+$", NULL,
	    &a), 0);
	ck_assert_uint_eq(reloc_allow_count(a), 7);
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(reloc_allow_entry(a, i, &text), want[i].kind);
		ck_assert_str_eq(text, want[i].text);
	}
	reloc_allow_entry(a, 7, &text);
	ck_assert_ptr_null(text);
	ck_assert(reloc_allow_needs_name(a));
	reloc_allow_free(a);
	ck_assert_int_eq(reloc_allow_compile("192.0.2.7 fd00::/8", NULL, &a),
	    0);
	ck_assert(!reloc_allow_needs_name(a));
	reloc_allow_free(a);
	reloc_allow_free(NULL);
	ck_assert_uint_eq(reloc_allow_count(NULL), 0);
}
END_TEST

START_TEST(test_match_bad_peer)
{
	struct reloc_allow	*a = NULL;
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	socklen_t		 len;

	ck_assert_int_eq(reloc_allow_compile("", NULL, &a), 0);
	len = mkpeer("192.0.2.1", &ss);
	ck_assert(reloc_allow_match(a, (struct sockaddr *)&ss, len, NULL));
	ck_assert(!reloc_allow_match(a, (struct sockaddr *)&ss, len - 1,
	    NULL));
	ck_assert(!reloc_allow_match(a, NULL, 0, NULL));
	ck_assert(!reloc_allow_match(NULL, (struct sockaddr *)&ss, len,
	    NULL));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert(!reloc_allow_match(a, (struct sockaddr *)&sun, sizeof(sun),
	    NULL));
	reloc_allow_free(a);
}
END_TEST

START_TEST(test_confirmed_name)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 sun;
	socklen_t		 len;
	char			*name = NULL;

	log_silence();
	len = mkpeer("127.0.0.1", &ss);
	ck_assert_int_eq(reloc_allow_confirmed_name((struct sockaddr *)&ss,
	    len, &name), 0);
	ck_assert_str_eq(name, "localhost");
	free(name);
	name = NULL;
	/* A mapped peer is confirmed against the IPv4 answer. */
	len = mkpeer("::ffff:127.0.0.1", &ss);
	ck_assert_int_eq(reloc_allow_confirmed_name((struct sockaddr *)&ss,
	    len, &name), 0);
	ck_assert_str_eq(name, "localhost");
	free(name);
	name = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_eq(reloc_allow_confirmed_name((struct sockaddr *)&sun,
	    sizeof(sun), &name), RELOC_ERR_INVAL);
	ck_assert_ptr_null(name);
}
END_TEST

/*
 * Patterns whose compile cost glibc's regcomp does not bound (nested or
 * empty repetitions), and their cousins that stay cheap.  Each is either
 * refused, naming where, or compiled and matched at once: the alarm
 * fails the test only on a hang, never on a slow machine.
 */
static const struct cost_case {
	const char	*re;
	bool		 accepted;
} cost_cases[] = {
	{ "(((((()+)+)+)+)+)+", false },
	{ "()+", false }, { "()*", false }, { "(){3}", false },
	{ "(a|)+", false }, { "(|a)*", false }, { "(a?)+", false },
	{ "(a*)*", false }, { "(a*b)*", true }, { "((a)+)+", true },
	{ "(a+)+", true }, { "(^)*", false }, { "($)+", false },
	{ "(\\b)+", false }, { "((ab)*c)+", true }, { "(a{2})+", true },
	{ "(a|b+)*", true }, { "((a|b)(c|d)*){2}", true },
	{ "a{65}", false }, { "a{1,100}", false }, { "x{,999}", false },
	{ "a{2}{3}", false }, { "a**", false }, { "a+?", false },
	{ "(a)\\1", false }, { "{1}", false }, { "*", false },
	{ "a|*b", false }, { "(+a)", false }, { "a)", false },
	{ "a{x}", false }, { "a{3,2}", false }, { "a{,}", false },
	{ "(((((((((a)))))))))", false },
	{ "((a+)+)+", false }, { "(((a+)+)+)+", false }, { "((a*b)*c)*", false },
	{ "(a(b(c+)+)+)+", false }, { "(([a-z]+\\.)+example)+", false },
	{ "(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)"
	    "(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)", false },
	{ "(abcdefghijklmnopqrstuvwxyz0123456789){64}", false },
	{ "a{64}b{64}c{64}d{64}e{64}f{64}g{64}h{64}i{64}j{64}k{64}l{64}"
	    "m{64}n{64}o{64}p{64}q{64}r{64}s{64}t{64}u{64}v{64}w{64}x{64}"
	    "y{64}z{64}A{64}B{64}C{64}D{64}E{64}F{64}", false },
	{ "(((a)))*", true }, { "(ab|cd)+", true }, { "a{64}", true },
	{ "[0-9]{1,3}(\\.[0-9]{1,3}){3}", true },
	{ "[0-9]{1,3}(\\.[0-9]){3}", true },
	{ "(web|db)[0-9]{1,2}\\.example\\.org", true },
	{ "host-(a|b|c)+", true }, { "(abcdefgh){60}", true },
	{ "(abcdefgh){64}", false },
	{ "((a|b)(c|d)){32}", true }, { "(.{0,64}){2}", false },
	{ ".{0,64}x.{0,64}y.{0,64}", true }, { "a{,5}b{3,}", true },
	{ "([a-z]|[0-9]|-)+(\\.([a-z]|[0-9]|-)+)*", true },
	{ "[a-z0-9-]+(\\.[a-z0-9-]+)*", true },
	{ "[a-z0-9-]+(\\.example|\\.org)*", true },
	{ "(a|aa|aaa|aaaa)+b", true }, { "()", true }, { "(|a)", true },
};

START_TEST(test_compile_cost)
{
	const struct cost_case	*c = &cost_cases[_i];
	struct reloc_allow	*a = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 name[254];
	int			 rc;

	memset(name, 'a', sizeof(name) - 2);
	name[sizeof(name) - 2] = 'x';
	name[sizeof(name) - 1] = '\0';
	len = mkpeer("192.0.2.1", &ss);
	capture_start();
	alarm(5);
	rc = reloc_allow_compile(c->re, "c.sxp:4:25", &a);
	if (rc == 0)
		reloc_allow_match(a, (struct sockaddr *)&ss, len, name);
	alarm(0);
	ck_assert_msg(rc == (c->accepted ? 0 : RELOC_ERR_CONFIG),
	    "'%s': %d, %s", c->re, rc, capture_text());
	if (!c->accepted)
		ck_assert_msg(capture_has("err: allow: c.sxp:4:25: bad regular "
		    "expression in xend-relocation-hosts-allow: '"),
		    "'%s': %s", c->re, capture_text());
	if (!c->accepted && strchr("(){}*+?", c->re[0]) != NULL)
		ck_assert_msg(capture_has("at character "), "%s",
		    capture_text());
	reloc_allow_free(a);
	capture_stop();
}
END_TEST

START_TEST(test_compile_cost_message)
{
	struct reloc_allow	*a = NULL;

	capture_start();
	ck_assert_int_eq(reloc_allow_compile("(((((()+)+)+)+)+)+", "x:2:3",
	    &a), RELOC_ERR_CONFIG);
	ck_assert_msg(capture_has("err: allow: x:2:3: bad regular expression "
	    "in xend-relocation-hosts-allow: '(((((()+)+)+)+)+)+': at "
	    "character 8: a repetition of something that can match nothing"),
	    "%s", capture_text());
	capture_clear();
	ck_assert_int_eq(reloc_allow_compile("ok ((a+)+)+", "x:2:3", &a),
	    RELOC_ERR_CONFIG);
	ck_assert_msg(capture_has("'((a+)+)+': at character 8: repetitions "
	    "nested more than 2 deep"), "%s", capture_text());
	capture_stop();
}
END_TEST

static Suite *
allow_suite(void)
{
	Suite	*s = suite_create("allow");
	TCase	*tc;

	tc = tcase_create("match");
	tcase_add_loop_test(tc, test_match_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_match_bad_peer);
	suite_add_tcase(s, tc);

	tc = tcase_create("compile");
	tcase_add_test(tc, test_empty_entry_warns);
	tcase_add_test(tc, test_blank_denies_all);
	tcase_add_loop_test(tc, test_compile_errors, 0,
	    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_host_bits_warn);
	tcase_add_test(tc, test_entries);
	suite_add_tcase(s, tc);

	tc = tcase_create("cost");
	tcase_add_loop_test(tc, test_compile_cost, 0,
	    sizeof(cost_cases) / sizeof(cost_cases[0]));
	tcase_add_test(tc, test_compile_cost_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_confirmed_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(allow_suite());
	int	 failed;

	log_silence();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
