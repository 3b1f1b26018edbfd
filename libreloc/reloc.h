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
 * libreloc: the public API of the xrelocd library.  Configuration
 * (xend-config.sxp), the host allow-list, the wire protocol, prechecks,
 * hypervisor backends and the migration state machine.
 *
 * Conventions: functions return 0 or a negative enum reloc_err; outputs end
 * in _r and are written only on success; const char * arguments are
 * borrowed.  Nothing here prints, exits or aborts: messages go to the log
 * sink (reloc_log_set_sink()).
 */

#ifndef RELOC_H
#define RELOC_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RELOC_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define RELOC_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------- err.c */

enum reloc_err {
	RELOC_OK = 0,
	RELOC_ERR_NOMEM = -1,		/* out of memory */
	RELOC_ERR_INVAL = -2,		/* bad argument or malformed input */
	RELOC_ERR_IO = -3,		/* read/write/connect failed */
	RELOC_ERR_PROTO = -4,		/* peer broke the wire protocol */
	RELOC_ERR_DENIED = -5,		/* refused: allow-list, precheck, peer */
	RELOC_ERR_TIMEOUT = -6,		/* a deadline passed */
	RELOC_ERR_HV = -7,		/* the hypervisor backend failed */
	RELOC_ERR_CONFIG = -8,		/* configuration is invalid */
	RELOC_ERR_NOENT = -9,		/* no such domain, file or key */
	RELOC_ERR_EXIST = -10,		/* already exists */
	RELOC_ERR_NOSPC = -11,		/* no memory or space on the target */
	RELOC_ERR_CLOSED = -12,		/* the peer closed the connection */
	RELOC_ERR_AGAIN = -13,		/* incomplete input, call again */
	RELOC_ERR_UNKNOWN_STATE = -14,	/* handshake broke after GO */
	RELOC_ERR_REFUSED = -15,	/* connect: nothing listens there */
	RELOC_ERR_UNREACHABLE = -16,	/* connect: no route to host or net */
	RELOC_ERR_NONAME = -17,		/* a host name did not resolve */
	RELOC_ERR_BUSY = -18,		/* the peer is at a cap: nothing
					   moved, retry later */
};

/* A static string describing rc (0 or a negative enum reloc_err). */
const char *reloc_strerror(int rc);

/* -------------------------------------------------------------- codec.c */

/*
 * The codecs that may compress the migration stream, by their number on
 * the wire (see the frame in reloc-int.h).  AUTO is a choice, never on
 * the wire: the sender picks lz4, zstd or none per chunk.
 */
enum reloc_codec {
	RELOC_CODEC_NONE = 0,
	RELOC_CODEC_LZ4 = 1,
	RELOC_CODEC_ZSTD = 2,
	RELOC_CODEC_AUTO = 3,
};

/* "none", "lz4", "zstd" or "auto" (a static string; "?" out of range). */
const char *reloc_codec_name(enum reloc_codec codec);
/* Parse one of those names; RELOC_ERR_INVAL for anything else. */
int reloc_codec_parse(const char *s, enum reloc_codec *codec_r);

/* ---------------------------------------------------------------- log.c */

enum reloc_log_level {
	RELOC_LOG_ERR = 0,
	RELOC_LOG_WARN,
	RELOC_LOG_INFO,
	RELOC_LOG_DEBUG,
};

/*
 * The log sink receives every message libreloc emits: its level, a module
 * tag ("sxp", "conf", "proto", "hv", ...) and one line of text without a
 * trailing newline.  The text is only valid during the call.
 */
typedef void (*reloc_log_fn)(enum reloc_log_level level, const char *module,
    const char *msg, void *arg);

/* Install the sink (NULL restores the default: stderr).  Not thread-safe. */
void reloc_log_set_sink(reloc_log_fn fn, void *arg);
/* Messages above this level are dropped before formatting (default INFO). */
void reloc_log_set_level(enum reloc_log_level level);
enum reloc_log_level reloc_log_get_level(void);
/* Parse "err", "warn", "info", "debug" (also xend's upper-case names). */
int reloc_log_level_parse(const char *s, enum reloc_log_level *level_r);
const char *reloc_log_level_name(enum reloc_log_level level);
/*
 * Log through the sink, for the programs built on libreloc.  _errno
 * appends ": strerror(errno)".  Neither changes errno.
 */
void reloc_log(enum reloc_log_level level, const char *module,
    const char *fmt, ...) RELOC_PRINTF(3, 4);
void reloc_log_errno(enum reloc_log_level level, const char *module,
    const char *fmt, ...) RELOC_PRINTF(3, 4);

/*
 * Copy SRC into DST (SIZE bytes, NUL-terminated, truncated to fit) with
 * every control character written visibly, vis(3)-style: "\n", "\r",
 * "\t", else "\xHH" (ESC is "\x1b"); other bytes are copied as they
 * are.  A name or a string a peer gave then prints as one line and
 * cannot forge another.  Every message reaching the sink went through
 * it.  Returns the length written.  Does not block.
 */
size_t reloc_log_vis(char *dst, size_t size, const char *src);

/*
 * A budget of log lines per interval, for messages a peer can cause at
 * will.  Zero-initialise it (or RELOC_LOG_RATE_INIT).
 */
struct reloc_log_rate {
	int64_t		start_s;	/* CLOCK_MONOTONIC, this interval */
	unsigned	logged;		/* lines let through in it */
	unsigned	dropped;	/* lines held back since the last one */
};
#define RELOC_LOG_RATE_INIT	{ 0, 0, 0 }

/*
 * Whether one more line may be logged: at most BURST per INTERVAL_S
 * seconds.  When it may, *DROPPED_R is the number of lines held back
 * since the last one let through (the caller says so in its line), and
 * the count restarts.  Does not block.
 */
bool reloc_log_rate_allow(struct reloc_log_rate *lr, unsigned burst,
    unsigned interval_s, unsigned *dropped_r);

/* ---------------------------------------------------------------- sxp.c */

/*
 * S-expressions as xend wrote them: atoms, '...' and "..." strings with
 * backslash escapes, # comments, nested lists.  One codec serves the config
 * file and the wire protocol.  Every node records where it was read.
 */
struct reloc_sxp;

/*
 * Limits that keep hostile input from exhausting the stack or memory:
 * lists nest at most RELOC_SXP_MAX_DEPTH deep, and an input (or a
 * written node) is at most RELOC_SXP_MAX_INPUT bytes.  A tree read from
 * len bytes holds at most RELOC_SXP_BUDGET(len) bytes of memory (plus its
 * source name), all in one allocation; a read that would need more fails.
 */
#define RELOC_SXP_MAX_DEPTH	64
#define RELOC_SXP_MAX_INPUT	(16u << 20)
#define RELOC_SXP_BYTES_PER_BYTE 14u
#define RELOC_SXP_BUDGET(len)	\
	((size_t)(len) * RELOC_SXP_BYTES_PER_BYTE + 256)

enum reloc_sxp_type {
	RELOC_SXP_ATOM,
	RELOC_SXP_LIST,
};

/*
 * Read a whole file or buffer.  The result is a list whose elements are the
 * top-level forms.  Every syntax error is logged as "NAME:LINE:COL: message"
 * (module "sxp") and reading goes on; if any error was found the call fails
 * once with RELOC_ERR_CONFIG.  NAME is used in messages only (a path, or
 * "peer 192.0.2.1:8002" for wire data).  Blocks on file I/O only.
 */
int reloc_sxp_read_file(const char *path, struct reloc_sxp **sxp_r);
int reloc_sxp_read_mem(const char *name, const char *buf, size_t len,
    struct reloc_sxp **sxp_r);
/*
 * Free a node and its children.  NULL is a no-op.  A read tree is freed
 * from its root only: freeing any other node of it is a no-op.
 */
void reloc_sxp_free(struct reloc_sxp *sxp);

enum reloc_sxp_type reloc_sxp_type(const struct reloc_sxp *sxp);
/* An atom's bytes (NUL-terminated; may contain NULs, see len_r). */
const char *reloc_sxp_atom(const struct reloc_sxp *sxp, size_t *len_r);
/* The number of elements of a list (0 for an atom). */
size_t reloc_sxp_len(const struct reloc_sxp *sxp);
/* Element i of a list, borrowed; NULL when out of range or an atom. */
struct reloc_sxp *reloc_sxp_nth(const struct reloc_sxp *sxp, size_t i);
/* Where the node started (1-based); 0 for built nodes. */
unsigned reloc_sxp_line(const struct reloc_sxp *sxp);
unsigned reloc_sxp_col(const struct reloc_sxp *sxp);
/* The NAME the node was read from (borrowed), or "" for built nodes. */
const char *reloc_sxp_source(const struct reloc_sxp *sxp);

/*
 * Association lists: in (a (k1 v1) (k2 v2 v3)) the child (k1 v1) is found
 * with reloc_sxp_assoc(list, "k1").  reloc_sxp_value() returns the atom
 * text of the first value of that child, or NULL.  Both borrowed.
 */
struct reloc_sxp *reloc_sxp_assoc(const struct reloc_sxp *list,
    const char *key);
const char *reloc_sxp_value(const struct reloc_sxp *list, const char *key);

/*
 * Building.  _append takes ownership of child, even on failure; list must
 * be a built list (a read tree is never changed: RELOC_ERR_INVAL).
 */
int reloc_sxp_new_list(struct reloc_sxp **sxp_r);
int reloc_sxp_new_atom(const char *s, size_t len, struct reloc_sxp **sxp_r);
int reloc_sxp_append(struct reloc_sxp *list, struct reloc_sxp *child);
/* Append (key value) with value as a string or a number. */
int reloc_sxp_add_str(struct reloc_sxp *list, const char *key,
    const char *value);
int reloc_sxp_add_u64(struct reloc_sxp *list, const char *key,
    uint64_t value);

/*
 * Write a node so that reloc_sxp_read_mem() reads it back equal.  Atoms
 * that need it are quoted and escaped.  *buf_r is malloc'ed and
 * NUL-terminated; the caller frees it.
 */
int reloc_sxp_write(const struct reloc_sxp *sxp, char **buf_r,
    size_t *len_r);
/* True when a and b have the same shape and bytes (positions ignored). */
bool reloc_sxp_equal(const struct reloc_sxp *a, const struct reloc_sxp *b);

/* ---------------------------------------------------------------- allow.c */

/*
 * The host allow-list (xend-relocation-hosts-allow).  Entries are
 * separated by white space.  An entry that is an IPv4/IPv6 address or a
 * CIDR prefix matches by address; any other entry is a POSIX extended
 * regular expression that must match the WHOLE peer address string or the
 * whole forward-confirmed reverse-DNS name (case-insensitively).  The
 * empty string allows every peer (xend's meaning); a value of only white
 * space denies every peer, with a warning.  IPv4-mapped IPv6 entries and
 * peers are IPv4.
 */
struct reloc_allow;

enum reloc_allow_kind {
	RELOC_ALLOW_ADDR,	/* a single address (a /32 or /128 prefix) */
	RELOC_ALLOW_PREFIX,	/* an address prefix */
	RELOC_ALLOW_REGEX,	/* a regular expression */
};

/*
 * Compile spec.  WHERE ("file:line:col" or NULL) prefixes warnings and
 * errors.  Empty entries are ignored with a warning.  A regex that does
 * not compile, stacks repetitions (a++) or nests them past what regcomp
 * can afford, and a bad prefix length, are errors (RELOC_ERR_CONFIG),
 * all logged before returning.  Host bits set under a prefix are a
 * warning and are cleared.
 */
int reloc_allow_compile(const char *spec, const char *where,
    struct reloc_allow **allow_r);
/*
 * Drop a reference: the conf that compiled it holds one, and every TLS
 * context built from that conf another.  NULL is a no-op.
 */
void reloc_allow_free(struct reloc_allow *allow);

/* True when the spec was empty: every peer is allowed. */
bool reloc_allow_is_open(const struct reloc_allow *allow);
/* True when some entry is a regex, so a name lookup may decide. */
bool reloc_allow_needs_name(const struct reloc_allow *allow);

/*
 * Pure match.  sa is the peer's address (IPv4-mapped IPv6 is treated as
 * IPv4); name is the peer's forward-confirmed reverse-DNS name or NULL.
 */
bool reloc_allow_match(const struct reloc_allow *allow,
    const struct sockaddr *sa, socklen_t salen, const char *name);

/*
 * Reverse-resolve sa and keep the name only if it resolves forward to the
 * same address.  Blocks on DNS.  RELOC_ERR_NOENT when there is no
 * confirmed name.  *name_r is malloc'ed.
 */
int reloc_allow_confirmed_name(const struct sockaddr *sa, socklen_t salen,
    char **name_r);

/*
 * Entries, for the firewall helper and the man page's examples.  The text
 * of an address or prefix is canonical (inet_ntop, host bits cleared, a
 * /32 or /128 written as the address); a regex's is as written.  Past the
 * end, *text_r is NULL.
 */
size_t reloc_allow_count(const struct reloc_allow *allow);
enum reloc_allow_kind reloc_allow_entry(const struct reloc_allow *allow,
    size_t i, const char **text_r);

/* ---------------------------------------------------------------- conf.c */

/*
 * The configuration.  Keys of xend keep their meaning; keys of our own
 * start with "xrelocd-".  Each key has an enum value so the compiler
 * checks every use.
 */
enum reloc_conf_key {
	RELOC_CK_RELOCATION_SERVER,	/* xend-relocation-server bool */
	RELOC_CK_RELOCATION_PORT,	/* xend-relocation-port int */
	RELOC_CK_RELOCATION_ADDRESS,	/* xend-relocation-address str */
	RELOC_CK_RELOCATION_HOSTS_ALLOW, /* xend-relocation-hosts-allow str */
	RELOC_CK_SSL_SERVER,		/* xend-relocation-ssl-server bool */
	RELOC_CK_SSL_PORT,		/* xend-relocation-ssl-port int */
	RELOC_CK_SSL_KEY_FILE,		/* xend-relocation-server-ssl-key-file */
	RELOC_CK_SSL_CERT_FILE,		/* xend-relocation-server-ssl-cert-file */
	RELOC_CK_SSL,			/* xend-relocation-ssl bool (client) */
	RELOC_CK_BACKEND,		/* xrelocd-backend libxl|sim */
	RELOC_CK_CONTROL_SOCKET,	/* xrelocd-control-socket path */
	RELOC_CK_LOG_LEVEL,		/* xrelocd-log-level */
	RELOC_CK_PID_FILE,		/* xrelocd-pid-file path */
	RELOC_CK_SIM_DIR,		/* xrelocd-sim-dir path */
	RELOC_CK_MAX_PENDING,		/* xrelocd-max-pending int */
	RELOC_CK_HELLO_TIMEOUT,		/* xrelocd-hello-timeout seconds */
	RELOC_CK_IO_TIMEOUT,		/* xrelocd-io-timeout seconds */
	RELOC_CK_MAX_MIGRATIONS,	/* xrelocd-max-migrations int */
	RELOC_CK_AUTO_TUNNEL,		/* xrelocd-auto-tunnel bool */
	RELOC_CK_TUNNEL_SCRIPT,		/* xrelocd-tunnel-script path */
	RELOC_CK_MAX_ROUNDS,		/* xrelocd-max-rounds int */
	RELOC_CK_STATE_DIR,		/* xrelocd-state-dir path */
	RELOC_CK_MAX_PENDING_PER_PEER,	/* xrelocd-max-pending-per-peer int */
	RELOC_CK_MAX_NAME_LOOKUPS,	/* xrelocd-max-name-lookups int */
	RELOC_CK_MAX_INCOMING,		/* xrelocd-max-incoming int */
	RELOC_CK_MAX_INCOMING_PER_PEER,	/* xrelocd-max-incoming-per-peer */
	RELOC_CK_BUSY_WAIT,		/* xrelocd-busy-wait seconds */
	RELOC_CK_SSL_CA,		/* xrelocd-relocation-ssl-ca file|dir */
	RELOC_CK_SSL_CRL,		/* xrelocd-relocation-ssl-crl file */
	RELOC_CK_SSL_MODE,		/* xrelocd-relocation-ssl-mode */
	RELOC_CK_SSL_PIN,		/* xrelocd-relocation-ssl-pin sha256s */
	RELOC_CK_COMPRESSION,		/* xrelocd-relocation-compression */
	RELOC_CK_STREAMS,		/* xrelocd-relocation-streams int */
	RELOC_CK_MAX_DOWNTIME,		/* xrelocd-max-downtime ms */
	RELOC_CK_PRECOPY_TIMEOUT,	/* xrelocd-precopy-timeout seconds */
	RELOC_CK_EVACUATE_TARGETS,	/* xrelocd-evacuate-targets str */
	RELOC_CK__COUNT
};

enum reloc_conf_type {
	RELOC_CT_BOOL,
	RELOC_CT_INT,
	RELOC_CT_STR,
};

struct reloc_conf;

/* The most connections one migration's stream is spread over. */
#define RELOC_STREAMS_MAX	16

/* Where xrelocd listens for xm unless xrelocd-control-socket says else. */
#define RELOC_CONTROL_SOCKET	"/run/xrelocd/xrelocd.sock"

/*
 * Load a config file.  Every problem is logged (module "conf" or "sxp")
 * as "FILE:LINE:COL: message"; unknown keys warn once each; any error
 * makes the call fail with RELOC_ERR_CONFIG after all are reported.
 */
int reloc_conf_load(const char *path, struct reloc_conf **conf_r);
int reloc_conf_load_mem(const char *name, const char *buf, size_t len,
    struct reloc_conf **conf_r);
/* A config holding every default. */
int reloc_conf_new_default(struct reloc_conf **conf_r);
void reloc_conf_free(struct reloc_conf *conf);

/* The path or name it was loaded from (borrowed). */
const char *reloc_conf_source(const struct reloc_conf *conf);
bool reloc_conf_bool(const struct reloc_conf *conf, enum reloc_conf_key key);
long reloc_conf_int(const struct reloc_conf *conf, enum reloc_conf_key key);
/* Borrowed; lives as long as conf.  Never NULL ("" when empty). */
const char *reloc_conf_str(const struct reloc_conf *conf,
    enum reloc_conf_key key);
/* The compiled allow-list (borrowed). */
const struct reloc_allow *reloc_conf_allow(const struct reloc_conf *conf);

/* Key names and types, for xrelocd -k and the man page. */
const char *reloc_conf_key_name(enum reloc_conf_key key);
enum reloc_conf_type reloc_conf_key_type(enum reloc_conf_key key);
int reloc_conf_key_lookup(const char *name, enum reloc_conf_key *key_r);
/* The value of key as text, as it would be written in the file. */
int reloc_conf_format(const struct reloc_conf *conf, enum reloc_conf_key key,
    char **text_r);

/* The rest of the API, by concern. */
#include "reloc_hv.h"
#include "reloc_tls.h"
#include "reloc_proto.h"
#include "reloc_migrate.h"
#include "reloc_record.h"

#ifdef __cplusplus
}
#endif

#endif /* RELOC_H */
