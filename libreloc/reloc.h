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
};

/* A static string describing rc (0 or a negative enum reloc_err). */
const char *reloc_strerror(int rc);

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
 * written node) is at most RELOC_SXP_MAX_INPUT bytes.
 */
#define RELOC_SXP_MAX_DEPTH	64
#define RELOC_SXP_MAX_INPUT	(16u << 20)

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
/* Free a node and its children.  NULL is a no-op. */
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

/* Building.  _append takes ownership of child, even on failure. */
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
	RELOC_CK__COUNT
};

enum reloc_conf_type {
	RELOC_CT_BOOL,
	RELOC_CT_INT,
	RELOC_CT_STR,
};

struct reloc_conf;

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

/* ---------------------------------------------------------------- domain.c */

/*
 * What a backend knows about a domain: enough for the prechecks, plus an
 * opaque blob (libxl: the domain configuration as libxl JSON) that the
 * target's backend needs to restore it.
 */
enum reloc_dom_type {
	RELOC_DOM_PV,
	RELOC_DOM_PVH,
	RELOC_DOM_HVM,
};

enum reloc_dom_state {
	RELOC_DS_RUNNING,
	RELOC_DS_PAUSED,
	RELOC_DS_SUSPENDED,	/* saved, waiting for resume or destroy */
	RELOC_DS_SHUTDOWN,
};

struct reloc_vif {
	char		*mac;		/* "00:16:3e:xx:xx:xx" */
	char		*bridge;	/* network label, e.g. "xenbr0" */
	char		*ip;		/* configured IPv4/IPv6 or NULL */
};

struct reloc_disk {
	char		*vdev;		/* "xvda", "hdc" */
	char		*path;		/* backing path, NULL for empty drive */
	bool		 removable;	/* cdrom or floppy */
	uint64_t	 size;		/* bytes, 0 when unknown */
};

struct reloc_passdev {
	char		*kind;		/* "pci" or "usb" */
	char		*id;		/* "0000:03:00.0", "1-2" */
	bool		 migratable;	/* USB only: marked migratable */
};

struct reloc_domain {
	uint32_t	 domid;
	char		*name;
	char		 uuid[37];
	enum reloc_dom_type type;
	enum reloc_dom_state state;
	uint64_t	 memory_kb;	/* maximum memory */
	unsigned	 vcpus;
	struct reloc_vif *vifs;
	size_t		 nr_vifs;
	struct reloc_disk *disks;
	size_t		 nr_disks;
	struct reloc_passdev *passdevs;
	size_t		 nr_passdevs;
	char		**cpu_features;	/* features the domain runs with */
	size_t		 nr_cpu_features;
	char		*config;	/* backend blob for restore */
	size_t		 config_len;
};

/* Release what a reloc_domain holds; safe to call twice. */
void reloc_domain_dispose(struct reloc_domain *dom);
/* Deep copy. */
int reloc_domain_copy(const struct reloc_domain *src, struct reloc_domain *dst);
const char *reloc_dom_type_name(enum reloc_dom_type type);
const char *reloc_dom_state_name(enum reloc_dom_state state);
/* Wire form: (domain (name ..) (uuid ..) ...); config blob included. */
int reloc_domain_to_sxp(const struct reloc_domain *dom,
    struct reloc_sxp **sxp_r);
int reloc_domain_from_sxp(const struct reloc_sxp *sxp,
    struct reloc_domain *dom_r);

struct reloc_bridge {
	char		*name;		/* "xenbr0" */
	char		*subnet;	/* "192.0.2.0/24", NULL if none */
	unsigned	 mtu;
};

/* What a host is: sent in HELLO, used by the prechecks. */
struct reloc_hostinfo {
	char		*hostname;
	char		*hv_version;	/* "4.17.5" */
	unsigned	 hv_major, hv_minor;
	char		*arch;		/* "x86_64" */
	char		*caps;		/* "xen-3.0-x86_64 hvm-3.0-x86_64 ..." */
	bool		 cap_pv, cap_hvm, cap_hap, cap_shadow;
	char		*cpu_vendor;	/* "GenuineIntel", "AuthenticAMD" */
	char		**cpu_features;	/* Xen featureset names */
	size_t		 nr_cpu_features;
	uint64_t	 free_memory_kb;
	struct reloc_bridge *bridges;
	size_t		 nr_bridges;
	char		**disks_visible; /* unused by the wire; see precheck */
	size_t		 nr_disks_visible;
};

void reloc_hostinfo_dispose(struct reloc_hostinfo *hi);
int reloc_hostinfo_to_sxp(const struct reloc_hostinfo *hi,
    struct reloc_sxp **sxp_r);
int reloc_hostinfo_from_sxp(const struct reloc_sxp *sxp,
    struct reloc_hostinfo *hi_r);

/* ---------------------------------------------------------------- proto.c */

/*
 * The wire protocol.  Every control message is a fixed 12-byte header
 * (magic "XRLC", version, type, body length; network byte order) and an
 * S-expression body whose head atom is the message's name, e.g.
 * (hello (proto 1) ...).  After STREAM the bytes are the backend's stream
 * until its own end, then control messages resume.
 *
 * Bump RELOC_PROTO_VERSION when the header or a message's meaning changes.
 */
#define RELOC_PROTO_MAGIC	0x58524c43u	/* "XRLC" */
#define RELOC_PROTO_VERSION	1
#define RELOC_PROTO_HDR_LEN	12
#define RELOC_PROTO_MAX_LEN	(1u << 20)	/* body bytes, hard limit */

enum reloc_msg_type {
	RELOC_MSG_HELLO = 1,	/* both ways: versions, host facts */
	RELOC_MSG_PRECHECK,	/* source -> target: domain description */
	RELOC_MSG_VERDICT,	/* target -> source: findings */
	RELOC_MSG_STREAM,	/* source -> target: stream follows */
	RELOC_MSG_READY,	/* target -> source: restored, paused */
	RELOC_MSG_GO,		/* source -> target: take ownership */
	RELOC_MSG_DONE,		/* target -> source: running there */
	RELOC_MSG_ERROR,	/* either way: abort, with a reason */
	RELOC_MSG_PROGRESS,	/* worker -> daemon: progress */
	RELOC_MSG_RESULT,	/* worker -> daemon: outcome */
	RELOC_MSG__MAX
};

/* "hello", "precheck", ...; NULL for an unknown type. */
const char *reloc_msg_name(enum reloc_msg_type type);

/* Encode a header for a body of len bytes into buf. */
int reloc_proto_hdr_encode(uint8_t buf[RELOC_PROTO_HDR_LEN],
    enum reloc_msg_type type, size_t len);
/*
 * Check and decode a header.  Bad magic, an unknown version or type, or a
 * length over RELOC_PROTO_MAX_LEN are RELOC_ERR_PROTO, logged naming peer.
 */
int reloc_proto_hdr_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, uint32_t *len_r);
/*
 * Header and body in one malloc'ed buffer.  body must be a list headed by
 * the message's name (else RELOC_ERR_INVAL); NULL sends just (name).
 */
int reloc_proto_encode(enum reloc_msg_type type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r);
/*
 * Decode one whole message from buf.  RELOC_ERR_AGAIN when buf holds less
 * than a message; *used_r is the number of bytes it took.  The body must be
 * one list headed by the message's name.
 */
int reloc_proto_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, struct reloc_sxp **body_r, size_t *used_r);

/* ---------------------------------------------------------------- chan.c */

/*
 * A blocking message channel over a connected socket, with a deadline on
 * every read and write (poll).  Used by the migration workers.
 */
struct reloc_chan;

/*
 * Take ownership of fd (closed on failure too).  peer names the other end
 * in log messages; NULL uses its address.  timeout_ms <= 0: no deadline.
 */
int reloc_chan_new(int fd, const char *peer, int timeout_ms,
    struct reloc_chan **chan_r);
/* Connect to host:port (any family), within timeout_ms. */
int reloc_chan_connect(const char *host, const char *port, int timeout_ms,
    struct reloc_chan **chan_r);
/* Close the socket and free.  NULL is a no-op. */
void reloc_chan_free(struct reloc_chan *chan);
int reloc_chan_fd(const struct reloc_chan *chan);
const char *reloc_chan_peer(const struct reloc_chan *chan);
void reloc_chan_set_timeout(struct reloc_chan *chan, int timeout_ms);
/* Local and remote addresses of the socket (borrowed). */
const struct sockaddr *reloc_chan_local_addr(const struct reloc_chan *chan,
    socklen_t *len_r);
const struct sockaddr *reloc_chan_remote_addr(const struct reloc_chan *chan,
    socklen_t *len_r);

/*
 * Send one message.  On failure reloc_chan_sent_nothing() tells whether
 * no byte of it reached the kernel: the commit handshake needs to know.
 */
int reloc_chan_send(struct reloc_chan *chan, enum reloc_msg_type type,
    const struct reloc_sxp *body);
bool reloc_chan_sent_nothing(const struct reloc_chan *chan);
/* Send (error (code C) (message M)). */
int reloc_chan_send_error(struct reloc_chan *chan, int code,
    const char *fmt, ...) RELOC_PRINTF(3, 4);
/*
 * Receive one message.  End of file is RELOC_ERR_CLOSED, the deadline
 * RELOC_ERR_TIMEOUT, garbage RELOC_ERR_PROTO.
 */
int reloc_chan_recv(struct reloc_chan *chan, enum reloc_msg_type *type_r,
    struct reloc_sxp **body_r);
/*
 * Receive a message of the given type.  A peer's ERROR is logged with its
 * reason and returned as RELOC_ERR_DENIED (its message in *why_r if not
 * NULL, malloc'ed); any other type is RELOC_ERR_PROTO.
 */
int reloc_chan_expect(struct reloc_chan *chan, enum reloc_msg_type type,
    struct reloc_sxp **body_r, char **why_r);

/* ---------------------------------------------------------------- hv.c */

/*
 * Progress of a save, reported by the backend while it streams.  All
 * counts are in bytes or pages of the domain's memory.
 */
enum reloc_progress_phase {
	RELOC_PP_PRECOPY,	/* a live round; the domain runs */
	RELOC_PP_SUSPENDED,	/* the domain is paused; last copy */
	RELOC_PP_DONE,		/* the stream is complete */
};

struct reloc_progress {
	enum reloc_progress_phase phase;
	unsigned	 round;		/* 1-based */
	uint64_t	 sent_bytes;	/* total so far */
	uint64_t	 remaining_pages; /* dirty pages still to send */
	uint64_t	 total_pages;	/* the domain's pages */
	uint64_t	 rate_bps;	/* bytes/s during the last round */
	uint64_t	 dirty_pps;	/* pages/s dirtied during the last round */
	uint64_t	 suspended_ns;	/* CLOCK_REALTIME when paused, or 0 */
};

typedef void (*reloc_progress_fn)(const struct reloc_progress *p, void *arg);

struct reloc_save_params {
	bool		 live;
	unsigned	 max_rounds;	/* 0: the backend's default */
	reloc_progress_fn progress;	/* may be NULL */
	void		*progress_arg;
};

struct reloc_restore_params {
	const char	*name;		/* name to create it under */
	reloc_progress_fn progress;	/* may be NULL */
	void		*progress_arg;
};

/*
 * A hypervisor backend.  Every function returns 0 or a negative
 * reloc_err and logs its own failures (module "hv").  All of them may
 * block.  A backend instance belongs to one process: open it after fork.
 */
struct reloc_hv_ops {
	const char	*name;
	/* Open an instance for conf; *priv_r is passed to every call. */
	int	(*open)(const struct reloc_conf *conf, void **priv_r);
	void	(*close)(void *priv);
	/* Every domain but dom0: brief descriptions (no config blob). */
	int	(*list)(void *priv, struct reloc_domain **doms_r, size_t *n_r);
	/* Full description of a domain given by name or numeric id. */
	int	(*describe)(void *priv, const char *dom,
		    struct reloc_domain *dom_r);
	int	(*host_info)(void *priv, struct reloc_hostinfo *hi_r);
	/*
	 * Write the domain's stream to fd, self-delimiting.  On success the
	 * domain is left suspended; on failure the caller calls resume.
	 */
	int	(*save)(void *priv, uint32_t domid, int fd,
		    const struct reloc_save_params *p);
	/* Undo a save: the domain runs again as before. */
	int	(*resume)(void *priv, uint32_t domid);
	/*
	 * Create a domain from dom's config blob and the stream on fd, under
	 * p->name, paused.  On failure nothing is left behind.
	 */
	int	(*restore)(void *priv, const struct reloc_domain *dom, int fd,
		    const struct reloc_restore_params *p, uint32_t *domid_r);
	int	(*rename)(void *priv, uint32_t domid, const char *name);
	int	(*pause)(void *priv, uint32_t domid);
	int	(*unpause)(void *priv, uint32_t domid);
	int	(*destroy)(void *priv, uint32_t domid);
	/* Optional hooks (NULL when the backend needs none): */
	/* The caller owns SIGCHLD (see below) and one arrived. */
	void	(*sigchld)(void *priv);
	/*
	 * In a child forked (without exec) after priv was opened, before
	 * anything else, signal handling included; priv is then dead in
	 * the child: open a new instance there.
	 */
	void	(*postfork_child)(void *priv);
};

/*
 * SIGCHLD belongs to the whole process.  A program whose event loop owns
 * it (xrelocd) says so before it opens a backend: backends then neither
 * catch SIGCHLD nor reap children other than their own, and the program
 * calls each open backend's sigchld hook on every SIGCHLD.  By default
 * (false) a backend may handle SIGCHLD for its own children itself.
 */
void reloc_hv_sigchld_owned(bool by_caller);

/* The backend called name ("libxl", "sim"), or NULL when not built. */
const struct reloc_hv_ops *reloc_hv_lookup(const char *name);
/* NULL-terminated list of the backends built in. */
const struct reloc_hv_ops *const *reloc_hv_all(void);

/* ---------------------------------------------------------------- announce.c */

/*
 * Announce a domain's vifs on their bridges (RARP, or gratuitous ARP when
 * the vif's IPv4 address is known) so that switches learn the new port.
 * Needs CAP_NET_RAW.  Returns the number of frames sent (vifs whose bridge
 * is missing here are skipped), or RELOC_ERR_DENIED without a raw socket.
 * Does not block.
 */
int reloc_announce(const struct reloc_domain *dom);

/* ---------------------------------------------------------------- precheck.c */

/*
 * Prechecks run on the target before a byte of memory moves.  A finding is
 * data: a severity, the check's name ("cpu", "l2", ...), a stable code for
 * scripts ("CPU_FEATURES_MISSING"), one line of message and one of fix.
 */
enum reloc_severity {
	RELOC_SEV_ERROR,	/* blocks the migration unless forced */
	RELOC_SEV_WARNING,	/* informs */
};

struct reloc_finding {
	enum reloc_severity severity;
	char		*check;
	char		*code;
	char		*message;
	char		*fix;
	bool		 forced;	/* an error overridden by --force */
};

struct reloc_verdict {
	struct reloc_finding *findings;
	size_t		 nr_findings;
};

void reloc_verdict_dispose(struct reloc_verdict *v);
int reloc_verdict_add(struct reloc_verdict *v, enum reloc_severity sev,
    const char *check, const char *code, const char *fix,
    const char *fmt, ...) RELOC_PRINTF(6, 7);
/* True when an error that was not forced remains. */
bool reloc_verdict_blocks(const struct reloc_verdict *v);
const char *reloc_severity_name(enum reloc_severity sev);
/* (findings (finding (severity error) (check cpu) (code ..) ...) ...) */
int reloc_verdict_to_sxp(const struct reloc_verdict *v,
    struct reloc_sxp **sxp_r);
int reloc_verdict_from_sxp(const struct reloc_sxp *sxp,
    struct reloc_verdict *v_r);

/* What the checks look at. */
struct reloc_precheck_ctx {
	const struct reloc_domain *dom;		/* from the source */
	bool		 live;
	const struct reloc_hostinfo *src;	/* the source's HELLO */
	const struct reloc_hostinfo *dst;	/* this host */
	const struct reloc_domain *dst_doms;	/* domains on this host */
	size_t		 nr_dst_doms;
	int		 src_family;	/* AF_INET/AF_INET6 of the source's */
	int		 dst_family;	/* relocation addresses */
	const char *const *force;	/* check names the admin overrode */
	size_t		 nr_force;
};

/* Run every check; findings are appended to v.  Never blocks. */
int reloc_precheck_run(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v);
/* The names of the checks, NULL-terminated, for --force validation. */
const char *const *reloc_precheck_names(void);
/* True if a check of that name may be forced (all but "name"). */
bool reloc_precheck_forcible(const char *name);

/* ---------------------------------------------------------------- migrate.c */

/*
 * The migration state machines.  The source drives:
 *   HELLO -> PRECHECK -> VERDICT -> STREAM -> READY -> GO -> DONE
 * and renames its copy NAME--migratedaway before GO; the target restores
 * under NAME--incoming and takes the name at GO.  Before GO any failure
 * leaves the domain running on the source as before; after GO without
 * DONE the owner is unknown and the source copy stays suspended.
 */
enum reloc_mstate {
	RELOC_MS_IDLE,
	RELOC_MS_CONNECTING,
	RELOC_MS_HELLO,
	RELOC_MS_PRECHECK,
	RELOC_MS_STREAMING,
	RELOC_MS_WAIT_READY,	/* source: stream sent; target: restored */
	RELOC_MS_COMMITTING,	/* source renamed; GO may be in flight */
	RELOC_MS_OWNER,		/* target: GO received, the domain is ours */
	RELOC_MS_DONE,
	RELOC_MS_FAILED,	/* ended before GO: runs on the source */
	RELOC_MS_UNKNOWN,	/* ended after GO without DONE */
};

const char *reloc_mstate_name(enum reloc_mstate st);

/* Outcome classes, the exit codes of xm migrate. */
enum reloc_outcome {
	RELOC_OUT_MOVED = 0,	/* or the check passed */
	RELOC_OUT_FAILED = 1,	/* the domain runs on the source as before */
	RELOC_OUT_UNKNOWN = 3,	/* handshake broke after GO */
};

struct reloc_summary {
	uint64_t	 total_ms;
	double		 downtime_ms;	/* source pause to target unpause */
	uint64_t	 bytes;		/* stream bytes */
	unsigned	 rounds;
	uint64_t	 memory_bytes;
};

/* Events a migration reports as it goes (worker -> daemon -> xm). */
struct reloc_migrate_events {
	void	(*state)(enum reloc_mstate st, const char *domain, void *arg);
	void	(*progress)(const struct reloc_progress *p, void *arg);
	void	(*verdict)(const struct reloc_verdict *v, void *arg);
	void	*arg;
};

struct reloc_migrate_opts {
	const char	*domain;	/* name or id on this host */
	const char	*host;		/* target host */
	const char	*port;		/* target port, "8002" */
	bool		 live;
	bool		 check_only;	/* prechecks, no transfer */
	const char *const *force;	/* check names to override */
	size_t		 nr_force;
	unsigned	 rate_mbps;	/* 0: no cap */
	unsigned	 max_rounds;	/* 0: backend default */
	int		 timeout_ms;	/* per I/O step */
	int		 local_family;	/* family of our relocation address */
	const struct reloc_migrate_events *ev;
};

struct reloc_migrate_result {
	enum reloc_outcome outcome;
	enum reloc_mstate last_state;	/* where it ended */
	char		 message[1024];	/* one line for the admin */
	struct reloc_summary summary;
	struct reloc_verdict verdict;
};

void reloc_migrate_result_dispose(struct reloc_migrate_result *res);

/*
 * Move a domain of this host to o->host.  hv/priv is an open backend.
 * Blocks until the end.  Returns 0 when the migration ran to an outcome
 * (see res->outcome; res is always filled), < 0 for bad arguments.
 */
int reloc_migrate_source(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc_migrate_opts *o, struct reloc_migrate_result *res);

struct reloc_target_opts {
	const char	*tunnel_script;	/* xrelocd-auto-tunnel: or NULL */
	int		 hello_timeout_ms;
	int		 timeout_ms;
	int		 local_family;	/* family of our relocation address */
	const struct reloc_migrate_events *ev;
};

/*
 * Receive a domain on an accepted connection (chan is owned by the
 * caller).  Blocks until the end; res says what happened.
 */
int reloc_migrate_target(const struct reloc_hv_ops *hv, void *priv,
    struct reloc_chan *chan, const struct reloc_target_opts *o,
    struct reloc_migrate_result *res);

/* The names the renames use: NAME--incoming, NAME--migratedaway. */
#define RELOC_SUFFIX_INCOMING	"--incoming"
#define RELOC_SUFFIX_AWAY	"--migratedaway"

/* ---------------------------------------------------------------- xmlrpc.c */

/*
 * XML-RPC as xm spoke it to xend, for the control socket.  A value is an
 * int (<i4>/<int>, 32 bits), an i8 (our <i8> extension, 64 bits, for byte
 * counts), a boolean, a string, a double, an array or a struct; there is
 * no nil.  Struct members keep their order.  Values are heap trees: every
 * _new has reloc_xv_free, and containers own what is put in them.
 */
struct reloc_xv;

enum reloc_xv_type {
	RELOC_XV_INT,
	RELOC_XV_I8,
	RELOC_XV_BOOL,
	RELOC_XV_STRING,
	RELOC_XV_DOUBLE,
	RELOC_XV_ARRAY,
	RELOC_XV_STRUCT,
};

#define RELOC_XMLRPC_MAX_LEN	(1u << 20)	/* document bytes */
#define RELOC_XMLRPC_MAX_DEPTH	32		/* nested arrays/structs */

/* Constructors.  RELOC_XV_INT takes values that fit 32 bits (else INVAL). */
int reloc_xv_new_int(int64_t v, struct reloc_xv **xv_r);
int reloc_xv_new_i8(int64_t v, struct reloc_xv **xv_r);
int reloc_xv_new_bool(bool v, struct reloc_xv **xv_r);
/* The string is copied.  NULL is the empty string. */
int reloc_xv_new_string(const char *s, struct reloc_xv **xv_r);
int reloc_xv_new_double(double v, struct reloc_xv **xv_r);
int reloc_xv_new_array(struct reloc_xv **xv_r);
int reloc_xv_new_struct(struct reloc_xv **xv_r);
/* Deep copy. */
int reloc_xv_copy(const struct reloc_xv *src, struct reloc_xv **xv_r);
/* Free a value and everything in it.  NULL is a no-op. */
void reloc_xv_free(struct reloc_xv *xv);

/*
 * Containers.  Both take ownership of child, even on failure.  Setting a
 * struct member that exists replaces it (in place, keeping the order).
 */
int reloc_xv_array_append(struct reloc_xv *array, struct reloc_xv *child);
int reloc_xv_struct_set(struct reloc_xv *st, const char *name,
    struct reloc_xv *child);
/* Shorthands: construct and set a member in one call. */
int reloc_xv_struct_set_int(struct reloc_xv *st, const char *name,
    int64_t v);
int reloc_xv_struct_set_i8(struct reloc_xv *st, const char *name,
    int64_t v);
int reloc_xv_struct_set_bool(struct reloc_xv *st, const char *name, bool v);
int reloc_xv_struct_set_string(struct reloc_xv *st, const char *name,
    const char *s);
int reloc_xv_struct_set_double(struct reloc_xv *st, const char *name,
    double v);

/*
 * Getters.  Wrong types are RELOC_ERR_INVAL; nothing is converted but
 * int <-> i8 and (for _double) an integer to a double.
 */
enum reloc_xv_type reloc_xv_type(const struct reloc_xv *xv);
const char *reloc_xv_type_name(enum reloc_xv_type type);
int reloc_xv_get_int(const struct reloc_xv *xv, int64_t *v_r);
int reloc_xv_get_bool(const struct reloc_xv *xv, bool *v_r);
int reloc_xv_get_double(const struct reloc_xv *xv, double *v_r);
/* A string's text (borrowed, lives as long as xv); NULL if not a string. */
const char *reloc_xv_get_string(const struct reloc_xv *xv);
/* Elements of an array or members of a struct; 0 for scalars. */
size_t reloc_xv_len(const struct reloc_xv *xv);
/*
 * Element i of an array or member i of a struct (its name in *name_r if
 * not NULL), borrowed; NULL when out of range.
 */
struct reloc_xv *reloc_xv_nth(const struct reloc_xv *xv, size_t i,
    const char **name_r);
/* The struct member called name (borrowed), or NULL. */
struct reloc_xv *reloc_xv_member(const struct reloc_xv *st,
    const char *name);
/* Typed member lookups: RELOC_ERR_NOENT when absent, _INVAL if mistyped. */
int reloc_xv_member_int(const struct reloc_xv *st, const char *name,
    int64_t *v_r);
int reloc_xv_member_bool(const struct reloc_xv *st, const char *name,
    bool *v_r);
int reloc_xv_member_double(const struct reloc_xv *st, const char *name,
    double *v_r);
/* Borrowed text of a string member, or NULL when absent or mistyped. */
const char *reloc_xv_member_string(const struct reloc_xv *st,
    const char *name);

/*
 * Encoding (xmlrpc_write.c).  params is an array or NULL (no params).  The
 * document is malloc'ed and NUL-terminated.  Text is escaped; bytes XML
 * cannot carry (control characters, invalid UTF-8) are written as '?'.
 */
int reloc_xmlrpc_call_encode(const char *method,
    const struct reloc_xv *params, char **buf_r, size_t *len_r);
int reloc_xmlrpc_response_encode(const struct reloc_xv *value, char **buf_r,
    size_t *len_r);
int reloc_xmlrpc_fault_encode(int code, const char *string, char **buf_r,
    size_t *len_r);

/*
 * Decoding (xmlrpc_read.c) with libxml2: no network, no DTD, no entity
 * expansion; a DOCTYPE is refused, as are documents over
 * RELOC_XMLRPC_MAX_LEN and values nested deeper than
 * RELOC_XMLRPC_MAX_DEPTH.  Malformed input is
 * RELOC_ERR_PROTO, logged (module "xmlrpc") as "PEER: line N: <element>:
 * what is wrong".  PEER names the other end in messages.
 *
 * call_decode: the method name (malloc'ed) and its params (an array).
 * response_decode: the single value of a methodResponse.  A fault is
 * RELOC_ERR_DENIED with its faultCode and faultString (malloc'ed) in
 * *fault_code_r and *fault_string_r; *value_r is then untouched.
 */
int reloc_xmlrpc_call_decode(const char *peer, const char *buf, size_t len,
    char **method_r, struct reloc_xv **params_r);
int reloc_xmlrpc_response_decode(const char *peer, const char *buf,
    size_t len, struct reloc_xv **value_r, int *fault_code_r,
    char **fault_string_r);

/*
 * HTTP/1.1 framing (xmlrpc_http.c), pure functions on buffers.  A request
 * is "POST /RPC2" with Content-Type text/xml and Content-Length; bodies
 * over RELOC_XMLRPC_MAX_LEN are refused.  The parsers return
 * RELOC_ERR_AGAIN until buf holds the headers and the whole body, then 0
 * with the body (borrowed, pointing into buf) and *used_r the bytes the
 * message took.  Malformed or oversized messages are RELOC_ERR_PROTO,
 * logged naming peer.
 */
int reloc_xmlrpc_http_request(const char *body, size_t len, char **buf_r,
    size_t *len_r);
int reloc_xmlrpc_http_request_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r);
/*
 * A response with the given status (200, or 400/404/405/411/413/500 for
 * refused requests) and body (may be NULL with len 0).
 */
int reloc_xmlrpc_http_response(int status, const char *body, size_t len,
    char **buf_r, size_t *len_r);
/* Parse a response; any status but 200 is RELOC_ERR_PROTO, logged. */
int reloc_xmlrpc_http_response_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r);

#ifdef __cplusplus
}
#endif

#endif /* RELOC_H */
