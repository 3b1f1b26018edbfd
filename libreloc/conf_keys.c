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
 * The keys we know: a table sorted by name with each key's type, default,
 * range and extra rules, and the parsers that turn a value's text into a
 * bool, a number or a checked string, logging what is wrong and where.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef XENSCRIPTSDIR
#define XENSCRIPTSDIR	"/etc/xen/scripts"
#endif

#include "reloc-int.h"

#define MOD		"conf"
#define SHOW_MAX	80	/* a value quoted in a message */

struct conf_key;

/* Extra rules for a string value: 0, or RELOC_ERR_CONFIG once logged. */
typedef int (*conf_check_fn)(const struct conf_key *k, const char *text,
    const char *where);

struct conf_key {
	const char		*name;
	enum reloc_conf_key	 key;
	enum reloc_conf_type	 type;
	const char		*def;	/* as it would be written in the file */
	long			 min;	/* RELOC_CT_INT only */
	long			 max;
	conf_check_fn		 check;	/* RELOC_CT_STR only, may be NULL */
};

static int	check_address(const struct conf_key *, const char *,
		    const char *);
static int	check_backend(const struct conf_key *, const char *,
		    const char *);
static int	check_codec(const struct conf_key *, const char *,
		    const char *);
static int	check_log_level(const struct conf_key *, const char *,
		    const char *);
static int	check_targets(const struct conf_key *, const char *,
		    const char *);
static int	check_path(const struct conf_key *, const char *,
		    const char *);
static int	check_socket(const struct conf_key *, const char *,
		    const char *);
static int	check_ssl_mode(const struct conf_key *, const char *,
		    const char *);
static int	check_ssl_path(const struct conf_key *, const char *,
		    const char *);
static int	check_ssl_pin(const struct conf_key *, const char *,
		    const char *);

#define B(n, k, d)		{ n, k, RELOC_CT_BOOL, d, 0, 0, NULL }
#define I(n, k, d, lo, hi)	{ n, k, RELOC_CT_INT, d, lo, hi, NULL }
#define S(n, k, d, f)		{ n, k, RELOC_CT_STR, d, 0, 0, f }

/* Sorted by name (strcmp): looked up with bsearch. */
static const struct conf_key keys[] = {
	S("xend-relocation-address", RELOC_CK_RELOCATION_ADDRESS, "",
	    check_address),
	S("xend-relocation-hosts-allow", RELOC_CK_RELOCATION_HOSTS_ALLOW, "",
	    NULL),
	I("xend-relocation-port", RELOC_CK_RELOCATION_PORT, "8002", 1, 65535),
	B("xend-relocation-server", RELOC_CK_RELOCATION_SERVER, "no"),
	S("xend-relocation-server-ssl-cert-file", RELOC_CK_SSL_CERT_FILE, "",
	    NULL),
	S("xend-relocation-server-ssl-key-file", RELOC_CK_SSL_KEY_FILE, "",
	    NULL),
	B("xend-relocation-ssl", RELOC_CK_SSL, "no"),
	I("xend-relocation-ssl-port", RELOC_CK_SSL_PORT, "8003", 1, 65535),
	B("xend-relocation-ssl-server", RELOC_CK_SSL_SERVER, "no"),
	B("xrelocd-auto-tunnel", RELOC_CK_AUTO_TUNNEL, "no"),
	S("xrelocd-backend", RELOC_CK_BACKEND, "libxl", check_backend),
	/* How long a source retries a busy target before it gives up. */
	I("xrelocd-busy-wait", RELOC_CK_BUSY_WAIT, "600", 0, 86400),
	S("xrelocd-control-socket", RELOC_CK_CONTROL_SOCKET,
	    RELOC_CONTROL_SOCKET, check_socket),
	/* xm evacuate's targets when it is given no --to. */
	S("xrelocd-evacuate-targets", RELOC_CK_EVACUATE_TARGETS, "",
	    check_targets),
	I("xrelocd-hello-timeout", RELOC_CK_HELLO_TIMEOUT, "10", 1, 600),
	I("xrelocd-io-timeout", RELOC_CK_IO_TIMEOUT, "30", 1, 3600),
	S("xrelocd-log-level", RELOC_CK_LOG_LEVEL, "info", check_log_level),
	/* Incoming migrations past HELLO, on this host and per source. */
	/* The stop-and-copy's budget, ms (QEMU's default); 0: no bound. */
	I("xrelocd-max-downtime", RELOC_CK_MAX_DOWNTIME, "300", 0, 3600000),
	I("xrelocd-max-incoming", RELOC_CK_MAX_INCOMING, "4", 1, 64),
	I("xrelocd-max-incoming-per-peer", RELOC_CK_MAX_INCOMING_PER_PEER,
	    "4", 1, 64),
	I("xrelocd-max-migrations", RELOC_CK_MAX_MIGRATIONS, "4", 1, 64),
	I("xrelocd-max-name-lookups", RELOC_CK_MAX_NAME_LOOKUPS, "8", 1, 64),
	I("xrelocd-max-pending", RELOC_CK_MAX_PENDING, "16", 1, 1024),
	I("xrelocd-max-pending-per-peer", RELOC_CK_MAX_PENDING_PER_PEER, "4",
	    1, 1024),
	/* libxc's own default number of live rounds. */
	I("xrelocd-max-rounds", RELOC_CK_MAX_ROUNDS, "5", 1, 1000),
	S("xrelocd-pid-file", RELOC_CK_PID_FILE, "/run/xrelocd.pid",
	    check_path),
	/* Pre-copy's time to meet the budget, s; 0: no limit. */
	I("xrelocd-precopy-timeout", RELOC_CK_PRECOPY_TIMEOUT, "0", 0, 86400),
	/* Sent as it is unless asked: the link may be faster than a core. */
	S("xrelocd-relocation-compression", RELOC_CK_COMPRESSION, "none",
	    check_codec),
	S("xrelocd-relocation-ssl-ca", RELOC_CK_SSL_CA, "", check_ssl_path),
	S("xrelocd-relocation-ssl-crl", RELOC_CK_SSL_CRL, "", check_ssl_path),
	/* Plain keeps working until every host has a certificate. */
	S("xrelocd-relocation-ssl-mode", RELOC_CK_SSL_MODE, "opportunistic",
	    check_ssl_mode),
	S("xrelocd-relocation-ssl-pin", RELOC_CK_SSL_PIN, "", check_ssl_pin),
	/* Connections a migration's stream takes; a target's most. */
	I("xrelocd-relocation-streams", RELOC_CK_STREAMS, "1", 1,
	    RELOC_STREAMS_MAX),
	S("xrelocd-sim-dir", RELOC_CK_SIM_DIR, "/var/lib/xrelocd/sim",
	    check_path),
	S("xrelocd-state-dir", RELOC_CK_STATE_DIR, "/var/lib/xrelocd",
	    check_path),
	/* Where make install put the helper (configure --with-xen-scripts). */
	S("xrelocd-tunnel-script", RELOC_CK_TUNNEL_SCRIPT,
	    XENSCRIPTSDIR "/xrelocd-tunnel", check_path),
};

#undef B
#undef I
#undef S

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* ---------------------------------------------------------------- keys */

static int
key_cmp(const void *name, const void *elem)
{
	return strcmp(name, ((const struct conf_key *)elem)->name);
}

static const struct conf_key *
key_find(const char *name)
{
	return bsearch(name, keys, NKEYS, sizeof(keys[0]), key_cmp);
}

static const struct conf_key *
key_get(enum reloc_conf_key key)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].key == key)
			return &keys[i];
	return NULL;
}

int
reloc_conf_key_lookup(const char *name, enum reloc_conf_key *key_r)
{
	const struct conf_key	*k;

	if (name == NULL || (k = key_find(name)) == NULL)
		return RELOC_ERR_NOENT;
	*key_r = k->key;
	return 0;
}

const char *
reloc_conf_key_name(enum reloc_conf_key key)
{
	const struct conf_key	*k = key_get(key);

	return k != NULL ? k->name : NULL;
}

enum reloc_conf_type
reloc_conf_key_type(enum reloc_conf_key key)
{
	const struct conf_key	*k = key_get(key);

	return k != NULL ? k->type : RELOC_CT_STR;
}

/* ---------------------------------------------------------------- values */

const char *
reloc__conf_show(const char *s, size_t len, char *buf, size_t size)
{
	size_t	i, n = 0;

	if (size < 8)
		return "";
	for (i = 0; i < len && n < size - 4; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len)
		memcpy(buf + n - 3, "...", 3);
	buf[n] = '\0';
	return buf;
}

static const char *
show(const char *s, char buf[SHOW_MAX])
{
	return reloc__conf_show(s, strlen(s), buf, SHOW_MAX);
}

static int
parse_bool(const struct conf_key *k, const char *text, const char *where,
    bool *b_r)
{
	static const char *const words[] = {
		"no", "yes", "false", "true", "off", "on", "0", "1",
	};
	char	sbuf[SHOW_MAX];
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(text, words[i]) == 0) {
			*b_r = (i % 2) == 1;
			return 0;
		}
	}
	log_errx(MOD, "%s: %s: '%s' is not a boolean (yes/no, true/false, "
	    "on/off, 1/0)", where, k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

/* Decimal only: a port written 0x1f42 or 8002.0 is a mistake. */
static int
parse_int(const struct conf_key *k, const char *text, const char *where,
    long *i_r)
{
	const char	*p = text;
	char		 sbuf[SHOW_MAX];
	long long	 v = 0;
	bool		 neg = false, big = false;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
		log_errx(MOD, "%s: %s: '%s' is not a decimal integer", where,
		    k->name, show(text, sbuf));
		return RELOC_ERR_CONFIG;
	}
	for (; *p != '\0'; p++) {
		if (v > 1000000000000LL)
			big = true;
		else
			v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (big || v < k->min || v > k->max) {
		log_errx(MOD, "%s: %s: %s out of range %ld..%ld", where,
		    k->name, show(text, sbuf), k->min, k->max);
		return RELOC_ERR_CONFIG;
	}
	*i_r = (long)v;
	return 0;
}

static int
set_str(const struct conf_key *k, const char *text, const char *where,
    char **s_r)
{
	char	*s;
	int	 rc;

	if (k->check != NULL && (rc = k->check(k, text, where)) < 0)
		return rc;
	if ((s = strdup(text)) == NULL)
		return RELOC_ERR_NOMEM;
	free(*s_r);
	*s_r = s;
	return 0;
}

const char *
reloc__conf_key_default(enum reloc_conf_key key)
{
	const struct conf_key	*k = key_get(key);

	return k != NULL ? k->def : NULL;
}

int
reloc__conf_parse(enum reloc_conf_key key, const char *text,
    const char *where, struct reloc__conf_value *v)
{
	const struct conf_key	*k = key_get(key);

	if (k == NULL || text == NULL)
		return RELOC_ERR_INVAL;
	switch (k->type) {
	case RELOC_CT_BOOL:
		return parse_bool(k, text, where, &v->b);
	case RELOC_CT_INT:
		return parse_int(k, text, where, &v->i);
	case RELOC_CT_STR:
		return set_str(k, text, where, &v->s);
	}
	return RELOC_ERR_INVAL;
}

/* ---------------------------------------------------------------- checks */

static int
check_address(const struct conf_key *k, const char *text, const char *where)
{
	char	sbuf[SHOW_MAX];

	/* An address, a host name or an interface name: one word. */
	if (strlen(text) < 256 && strpbrk(text, " \t\n\r\v\f") == NULL)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not an address, host or interface "
	    "name", where, k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

static int
check_backend(const struct conf_key *k, const char *text, const char *where)
{
	char	sbuf[SHOW_MAX];

	if (strcmp(text, "libxl") == 0 || strcmp(text, "sim") == 0)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not a backend (libxl, sim)", where,
	    k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

static int
check_codec(const struct conf_key *k, const char *text, const char *where)
{
	enum reloc_codec	codec;
	char			sbuf[SHOW_MAX];

	if (reloc_codec_parse(text, &codec) == 0)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not a compression (none, lz4, zstd, "
	    "auto)", where, k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

/* Words of HOST or HOST:PORT (one colon; more: an IPv6 address). */
static int
check_targets(const struct conf_key *k, const char *text, const char *where)
{
	const char	*w = text, *colon, *end;
	char		 sbuf[SHOW_MAX], *p;
	size_t		 len;
	long		 port;
	int		 rc = 0;

	for (; *w != '\0'; w += len) {
		if ((len = strspn(w, " \t")) > 0)
			continue;
		len = strcspn(w, " \t");
		end = w + len;
		colon = memchr(w, ':', len);
		if (colon == NULL || memchr(colon + 1, ':', (size_t)(end -
		    colon - 1)) != NULL)
			continue;
		port = strtol(colon + 1, &p, 10);
		if (colon > w && p == end && colon + 1 < end && port >= 1 &&
		    port <= 65535)
			continue;
		log_errx(MOD, "%s: %s: '%s' is not HOST or HOST:PORT (a port "
		    "from 1 to 65535)", where, k->name,
		    reloc__conf_show(w, len, sbuf, SHOW_MAX));
		rc = RELOC_ERR_CONFIG;
	}
	return rc;
}

static int
check_log_level(const struct conf_key *k, const char *text,
    const char *where)
{
	enum reloc_log_level	level;
	char			sbuf[SHOW_MAX];

	if (reloc_log_level_parse(text, &level) == 0)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not a log level (err, warn, info, "
	    "debug)", where, k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

static int
check_path(const struct conf_key *k, const char *text, const char *where)
{
	char	sbuf[SHOW_MAX];

	/* The daemon changes directory to /: relative paths would move. */
	if (text[0] == '/')
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not an absolute path", where, k->name,
	    show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

static int
check_socket(const struct conf_key *k, const char *text, const char *where)
{
	struct sockaddr_un	sun;

	if (check_path(k, text, where) < 0)
		return RELOC_ERR_CONFIG;
	if (strlen(text) < sizeof(sun.sun_path))
		return 0;
	log_errx(MOD, "%s: %s: path is longer than %zu bytes", where, k->name,
	    sizeof(sun.sun_path) - 1);
	return RELOC_ERR_CONFIG;
}

static int
check_ssl_mode(const struct conf_key *k, const char *text, const char *where)
{
	enum reloc_tls_mode	mode;
	char			sbuf[SHOW_MAX];

	if (reloc_tls_mode_parse(text, &mode) == 0)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not a mode (required, opportunistic, "
	    "disabled)", where, k->name, show(text, sbuf));
	return RELOC_ERR_CONFIG;
}

/* Empty: none. */
static int
check_ssl_path(const struct conf_key *k, const char *text, const char *where)
{
	if (text[0] == '\0')
		return 0;
	return check_path(k, text, where);
}

static int
check_ssl_pin(const struct conf_key *k, const char *text, const char *where)
{
	char	sbuf[SHOW_MAX];
	size_t	at, len;

	if (reloc_tls_pins_check(text, &at, &len) == 0)
		return 0;
	log_errx(MOD, "%s: %s: '%s' is not a sha256 fingerprint (64 hex "
	    "digits, as openssl dgst -sha256 prints it)", where, k->name,
	    reloc__conf_show(text + at, len, sbuf, sizeof(sbuf)));
	return RELOC_ERR_CONFIG;
}
