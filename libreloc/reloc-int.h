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
 * Private prototypes shared between libreloc's files, grouped by the file
 * that defines them.  Nothing here is installed.
 */

#ifndef RELOC_INT_H
#define RELOC_INT_H

/* RELOC_FAULT_INJECTION and the like: every libreloc file sees them. */
#include "config.h"

#include "reloc.h"

/* log.c */
void	reloc__log(enum reloc_log_level level, const char *module,
	    const char *fmt, ...) RELOC_PRINTF(3, 4);
/* Like reloc__log, with ": strerror(errno)" appended. */
void	reloc__log_errno(enum reloc_log_level level, const char *module,
	    const char *fmt, ...) RELOC_PRINTF(3, 4);
bool	reloc__log_enabled(enum reloc_log_level level);

#define log_warn(mod, ...)	reloc__log_errno(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_warnx(mod, ...)	reloc__log(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_err(mod, ...)	reloc__log_errno(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_errx(mod, ...)	reloc__log(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_info(mod, ...)	reloc__log(RELOC_LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...)	reloc__log(RELOC_LOG_DEBUG, mod, __VA_ARGS__)

/* err.c */
/* Map an errno value to the closest reloc_err. */
int	reloc__errno_to_err(int e);
/*
 * Map a getaddrinfo() result to a reloc_err: every "no such name" and
 * name server failure is RELOC_ERR_NONAME.  e is errno for EAI_SYSTEM.
 */
int	reloc__gai_to_err(int gai, int e);

/* hv.c */
bool	reloc__hv_sigchld_by_caller(void);

/* allow.c: one more hold on allow (reloc_allow_free() drops one). */
struct reloc_allow *reloc__allow_hold(const struct reloc_allow *allow);

/* allow_regex.c */
/*
 * NULL when regcomp may compile the allow-list pattern RE at a bounded
 * cost; else why not (a static string), and the offset of the fault in
 * RE (from 0) in *at_r.
 */
const char *reloc__allow_regex_check(const char *re, size_t *at_r);

/* fault.c */
/*
 * Fault injection for the failure-rule tests, driven by the environment:
 * XRELOCD_FAULT="POINT[@PCT]:ACTION[,...]", e.g. "dst-stream@50:kill" or
 * "src-ready:cut".  Documented in xrelocd(8), section TESTING.  Built only
 * with configure --enable-fault-injection (RELOC_FAULT_INJECTION); other
 * builds get the no-op versions below and ignore the variable.
 */
enum reloc_fault_action {
	RELOC_FA_NONE,
	RELOC_FA_KILL,		/* SIGKILL this process */
	RELOC_FA_CUT,		/* shut the connection down both ways */
	RELOC_FA_CORRUPT,	/* flip one byte of the stream */
	RELOC_FA_STALL,		/* stop answering (sleep until killed) */
	RELOC_FA_WAIT,		/* hold until $XRELOCD_FAULT_RELEASE is */
	RELOC_FA_OMIT,		/* leave out what an older version lacks */
};

#ifdef RELOC_FAULT_INJECTION
/* The action armed at a point without a percentage, or NONE. */
enum reloc_fault_action reloc__fault_at(const char *point);
/* True when some POINT@PCT is armed for this point name. */
bool	reloc__fault_stream_armed(const char *point);
/*
 * For a stream point: if the threshold PCT of total lies in
 * [done, done + len), return the action and its offset in the chunk.
 */
enum reloc_fault_action reloc__fault_stream(const char *point, uint64_t done,
	    size_t len, uint64_t total, size_t *off_r);
/* Fire the fault armed at point, if any, on fd; the action or NONE. */
enum reloc_fault_action reloc__fault_point(const char *point, int fd);
/* Carry out a kill, cut or stall on fd; logs it first. */
void	reloc__fault_fire(enum reloc_fault_action a, const char *point, int fd);
#else /* !RELOC_FAULT_INJECTION */
static inline enum reloc_fault_action
reloc__fault_at(const char *point)
{
	(void)point;
	return RELOC_FA_NONE;
}

static inline bool
reloc__fault_stream_armed(const char *point)
{
	(void)point;
	return false;
}

static inline enum reloc_fault_action
reloc__fault_stream(const char *point, uint64_t done, size_t len,
    uint64_t total, size_t *off_r)
{
	(void)point, (void)done, (void)len, (void)total, (void)off_r;
	return RELOC_FA_NONE;
}

static inline enum reloc_fault_action
reloc__fault_point(const char *point, int fd)
{
	(void)point, (void)fd;
	return RELOC_FA_NONE;
}

static inline void
reloc__fault_fire(enum reloc_fault_action a, const char *point, int fd)
{
	(void)a, (void)point, (void)fd;
}
#endif /* RELOC_FAULT_INJECTION */

#include "codec-int.h"

/* stream.c */
/*
 * A pump copies the backend's stream between a local socketpair and the
 * connection, in a thread, when something must sit in between: a rate
 * cap, fault injection, or TLS.  Otherwise the backend uses the socket
 * directly.
 */
struct reloc__pump;

struct reloc__pump_opts {
	const char	*point;		/* fault point name: src-stream... */
	uint64_t	 total;		/* expected bytes (for @PCT faults) */
	unsigned	 rate_mbps;	/* 0: no cap */
	bool		 end_to;	/* shut "to" for writing at the end */
	/*
	 * The connection's TLS (borrowed; the pump alone uses it until
	 * reloc__pump_finish()): "from" is read (tls_from) or "to" written
	 * (tls_to) through it, non-blocking, each wait at most timeout_ms
	 * (<= 0: none).
	 */
	struct reloc_tls *tls_from;
	struct reloc_tls *tls_to;
	int		 timeout_ms;
	/* Framed pumps only (reloc__pump_start_framed()): */
	enum reloc_codec codec;		/* source: NONE, LZ4, ZSTD or AUTO */
	unsigned	 codecs;	/* AUTO: 1 << codec for each allowed */
	bool		 history;	/* zstd-stream: see reloc__codec_new */
	const char	*peer;		/* in messages: "10.0.0.2:8002" */
};

/*
 * One connection of a framed stream: its socket and, when OpenSSL must
 * carry the direction (no kernel TLS), its TLS (borrowed; the pump alone
 * uses both until reloc__pump_finish()).  Lane 0 is the migration's
 * channel; further lanes are extra connections to the same peer.
 */
struct reloc__lane {
	int		 fd;
	struct reloc_tls *tls;		/* may be NULL */
};

/* What a pump moved: raw bytes of the backend's stream, bytes on the wire. */
struct reloc__pump_stats {
	uint64_t	raw;
	uint64_t	wire;
	char		why[256];	/* framed: the first failure, or "" */
};

int	reloc__pump_start(int from, int to, const struct reloc__pump_opts *o,
	    struct reloc__pump **pump_r);
/* Ask the pump to stop at the next chance (target side). */
void	reloc__pump_stop(struct reloc__pump *pump);
/* Wait for the pump; its result and byte count.  Frees it. */
int	reloc__pump_finish(struct reloc__pump *pump, uint64_t *bytes_r);
/* The same, with the bytes on the wire too (stats may be NULL). */
int	reloc__pump_finish_stats(struct reloc__pump *pump,
	    struct reloc__pump_stats *stats);

/* stream_frame.c */
/*
 * A framed pump: the backend's stream as frames (see codec.c) over
 * nlanes (1..RELOC_LANES_MAX) connections.  send: read the backend's
 * stream from local, cut it into chunks, and write each chunk as one
 * frame with o->codec on whichever lane is free (a thread per lane), then
 * an END frame on every lane.  !send: read frames from every lane, check
 * and decode them, and write the raw bytes to local in seq order, then
 * shut local for writing when o->end_to.  lanes is copied; the fds and
 * TLS objects are borrowed.  The rate cap paces the bytes on all lanes
 * together.  The first failure of any lane stops them all; its rc comes
 * from reloc__pump_finish() (RELOC_ERR_PROTO for a bad frame, logged with
 * the peer and the chunk's seq).  reloc__pump_stop() and
 * reloc__pump_finish() work on both kinds of pump.
 */
#define RELOC_LANES_MAX	16

int	reloc__pump_start_framed(int local, const struct reloc__lane *lanes,
	    size_t nlanes, bool send, const struct reloc__pump_opts *o,
	    struct reloc__pump **pump_r);
/* The framed pump itself, behind reloc__pump (stream_frame.c). */
struct reloc__framed;
int	reloc__framed_start(int local, const struct reloc__lane *lanes,
	    size_t nlanes, bool send, const struct reloc__pump_opts *o,
	    struct reloc__framed **f_r);
void	reloc__framed_stop(struct reloc__framed *f);
int	reloc__framed_finish(struct reloc__framed *f,
	    struct reloc__pump_stats *stats);

/* announce.c */
/* The announcement frame for one vif into buf; its length or < 0. */
int	reloc__announce_frame(const char *mac, const char *ip, uint8_t *buf,
	    size_t len);

/* tunnel.c */
/*
 * With SCRIPT set, bring an L2 tunnel to PEER up for the domain's bridges
 * when v's only blocking errors are l2 subnet errors, and mark those
 * errors as overridden.  1 when tunnels came up, 0 when not needed.
 * Blocks (runs the script, 30 s at most).
 */
int	reloc__tunnel_auto(const char *script, const char *peer,
	    const struct reloc_domain *dom, struct reloc_verdict *v);
/*
 * A tunnel carries the source's segment: mark v's l2 subnet errors as
 * overridden (for a recheck once reloc__tunnel_auto brought it up).
 */
void	reloc__tunnel_cures(struct reloc_verdict *v);

/* verdict.c */
int	reloc__finding_copy(const struct reloc_finding *src,
	    struct reloc_finding *dst);
/* Append copies of src's findings to dst; RELOC_ERR_NOMEM. */
int	reloc__verdict_append(struct reloc_verdict *dst,
	    const struct reloc_verdict *src);

/* recover.c: the steps recovery and the state machines share */
/* A copy of a domain on this host, as recovery looks for it. */
struct reloc__copy {
	uint32_t	 domid;		/* RELOC_DOMID_NONE: find it by alias */
	const char	*uuid;		/* the domain's */
	const char	*name;		/* its own name */
	const char	*alias;		/* the name it may have meanwhile */
};
/* The copy, checked by uuid and name; RELOC_ERR_NOENT if not here. */
int	reloc__copy_find(const struct reloc_hv_ops *hv, void *priv,
	    const struct reloc__copy *c, struct reloc_domain *dom_r);
/*
 * Source, before GO: its own name again; running again when touched (the
 * save began), paused again when it was paused before.
 */
int	reloc__recover_roll_back(const struct reloc_hv_ops *hv, void *priv,
	    const struct reloc__copy *c, bool touched, bool was_paused);
/* Destroy the copy; 0 when it is not (or no longer) here. */
int	reloc__recover_destroy(const struct reloc_hv_ops *hv, void *priv,
	    const struct reloc__copy *c);
/* Target, after GO: take the name and unpause; announce its vifs. */
int	reloc__recover_run(const struct reloc_hv_ops *hv, void *priv,
	    const struct reloc__copy *c);

/* Answer a QUERY on chan from the journal in dir (recover_query.c). */
int	reloc__recover_answer_query(struct reloc_chan *chan, const char *dir,
	    const struct reloc_sxp *query);

/* hostid.c */
/*
 * A host uuid from text: a machine id (32 hex digits) or a uuid, either
 * case, up to a newline; lower case out.  All zeros or all ones are no
 * id (RELOC_ERR_INVAL).
 */
int	reloc__hostid_parse(const char *text, char uuid[37]);
/* The host uuid in a file; RELOC_ERR_NOENT when it is absent. */
int	reloc__hostid_read(const char *path, char uuid[37]);
/*
 * This Xen host's uuid: dom0's /etc/machine-id, else D-Bus's machine id,
 * else the firmware's product uuid.  None: uuid is "", RELOC_ERR_NOENT,
 * logged.  Blocks on /etc, /var, /sys.
 */
int	reloc__hostid_xen(char uuid[37]);
/* A new random (version 4) uuid. */
int	reloc__uuid_new(char uuid[37]);

/* hv_libxl_facts.c */
/* strdup that logs; RELOC_ERR_NOMEM on failure. */
int	reloc__xenfacts_dup(const char *s, char **dst);
/*
 * Facts about a Xen host decoded from what libxl reports (physinfo words,
 * version and capability strings, libxc's progress lines), apart from
 * hv_libxl.c so that they build and are tested without Xen.
 */
struct reloc__xen_raw {
	const char	*hostname;
	int		 major, minor;	/* libxl_version_info */
	const char	*extra;		/* ".5", "-rc", NULL */
	const char	*caps;		/* "xen-3.0-x86_64 hvm-3.0-x86_64" */
	const uint32_t	*featureset;	/* hw_cap[] or the whole featureset */
	size_t		 nr_featureset;	/* in 32-bit words */
	uint64_t	 free_kb;
	bool		 cap_pv, cap_hvm, cap_hap, cap_shadow;
	const char	*cpuinfo;	/* /proc/cpuinfo text, or NULL */
};

/*
 * Fill hi's hostname, version, arch, caps, flags, vendor, features and
 * free memory from raw.  On failure hi may hold part: dispose it.
 */
int	reloc__xenfacts_fill(const struct reloc__xen_raw *raw,
	    struct reloc_hostinfo *hi);
/* Names of the bits set in a featureset, in bit order (malloc'ed). */
int	reloc__xenfacts_features(const uint32_t *words, size_t nr,
	    char ***names_r, size_t *n_r);
/* The name of one bit ("avx2"), or NULL when Xen has none for it. */
const char *reloc__xenfacts_feature_name(unsigned word, unsigned bit);
int	reloc__xenfacts_feature_lookup(const char *name, unsigned *word_r,
	    unsigned *bit_r);
/* "x86_64" from a capabilities string; RELOC_ERR_NOENT if none. */
int	reloc__xenfacts_arch(const char *caps, char **arch_r);
/* vendor_id of /proc/cpuinfo text; RELOC_ERR_NOENT if none. */
int	reloc__xenfacts_cpu_vendor(const char *cpuinfo, char **vendor_r);
/* "192.0.2.0/24" from an address and its netmask (same family). */
int	reloc__xenfacts_subnet(const struct sockaddr *addr,
	    const struct sockaddr *mask, char **subnet_r);
/*
 * The Linux bridges under sysfs_net ("/sys/class/net"): a directory with
 * a bridge/ subdirectory; mtu from its mtu file, subnet from getifaddrs.
 * Sorted by name.  Blocks on sysfs only.
 */
int	reloc__xenfacts_bridges(const char *sysfs_net,
	    struct reloc_bridge **br_r, size_t *n_r);
void	reloc__xenfacts_bridges_free(struct reloc_bridge *br, size_t n);

/*
 * fill() plus what this machine says itself: hostname and cpuinfo when
 * raw has none, the host uuid (reloc__hostid_xen) and the bridges of
 * /sys/class/net.  Blocks on /proc, /sys.
 */
int	reloc__xenfacts_local(const struct reloc__xen_raw *raw,
	    struct reloc_hostinfo *hi);
/* Turns libxc's progress lines into struct reloc_progress. */
struct reloc__xen_progress {
	struct reloc_progress p;
	int		 iter;		/* libxc's iteration, -1 before any */
	uint64_t	 pages_before;	/* pages sent in finished rounds */
	uint64_t	 round_total;	/* pages of the current round */
	uint64_t	 round_done;
	uint64_t	 round_start_ns;
	uint64_t	 last_emit_ns;
};

void	reloc__xenfacts_progress_init(struct reloc__xen_progress *st);
/*
 * Feed one progress call (doing_what, done, total in pages) seen at
 * now_ns (CLOCK_REALTIME).  True when st->p is worth reporting.
 */
bool	reloc__xenfacts_progress_step(struct reloc__xen_progress *st,
	    const char *what, unsigned long done, unsigned long total,
	    uint64_t now_ns);

/* sxp.c (shared with sxp_read.c) */
/* A growable byte buffer; NUL-terminated once anything was added. */
struct reloc__buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

int	reloc__buf_grow(struct reloc__buf *b, size_t more);
int	reloc__buf_add(struct reloc__buf *b, const void *s, size_t n);
int	reloc__buf_putc(struct reloc__buf *b, int c);
/*
 * A node.  A read tree lives in one allocation, a struct reloc__sxp_tree:
 * its nodes are an array where each list's children are contiguous, short
 * atom text sits in the node and longer text in one block after the nodes,
 * and the source name is stored once.  A built node (SXP_BUILT) is a
 * struct reloc__sxp_built of its own.
 */
#define RELOC__SXP_LIST		0x1u
#define RELOC__SXP_BUILT	0x2u
#define RELOC__SXP_SHIFT	2	/* bits >> this: atom bytes or kids */
#define RELOC__SXP_INLINE	3	/* read atoms this short stay inline */

struct reloc_sxp {
	uint32_t	 bits;
	uint32_t	 line;
	uint32_t	 col;
	uint32_t	 slot;		/* read: index in its tree's node[] */
	union {
		uint32_t ref;		/* read: first kid or text offset */
		char	 inl[RELOC__SXP_INLINE + 1];
	} u;
};

struct reloc__sxp_built {
	struct reloc_sxp  n;
	char		 *text;
	struct reloc_sxp **kids;
	size_t		  cap;
};

struct reloc__sxp_tree {
	struct reloc_sxp *root;		/* the node whose free frees it all */
	size_t		 bytes;		/* allocated for the whole tree */
	const char	*src;
	char		*text;
	struct reloc_sxp node[];
};

struct reloc__sxp_tree *reloc__sxp_tree_of(const struct reloc_sxp *n);
/*
 * Detach child i of list and return it as a root of its own: the rest of
 * a read list is freed with it, a built list loses it.  NULL if no child.
 */
struct reloc_sxp *reloc__sxp_take(struct reloc_sxp *list, size_t i);
/* Bytes of memory a tree (from its root) holds, its nodes and text. */
size_t	reloc__sxp_bytes(const struct reloc_sxp *root);

/* sxp_form.c: shared by the table-driven forms (domain, record) */
/* Append the atom s (len bytes) to list. */
int	reloc__sxp_put_atom(struct reloc_sxp *list, const char *s, size_t len);
/* Append a new list (key) to list; *sub_r is borrowed from it. */
int	reloc__sxp_put_list(struct reloc_sxp *list, const char *key,
	    struct reloc_sxp **sub_r);
/* Append (key v[0] ... v[n-1]) to list. */
int	reloc__sxp_put_strv(struct reloc_sxp *list, const char *key,
	    char *const *v, size_t n);
/* True when n is a list whose head is the atom name. */
bool	reloc__sxp_head_is(const struct reloc_sxp *n, const char *name);
/* A decimal number up to max, digits only (no sign, no base, no blank). */
enum reloc__dec {
	RELOC__DEC_OK,
	RELOC__DEC_NOT_DECIMAL,
	RELOC__DEC_TOO_LARGE,		/* over UINT64_MAX */
	RELOC__DEC_OUT_OF_RANGE,	/* over max */
};
enum reloc__dec reloc__dec_parse(const char *s, uint64_t max, uint64_t *n_r);
/* The index of s among words (NULL entries never match), or -1. */
int	reloc__word_index(const char *s, const char *const *words, size_t n);

/* conf_keys.c (used by conf.c) */
/* A parsed value: b for RELOC_CT_BOOL, i for _INT, s (malloc'ed) for _STR. */
struct reloc__conf_value {
	bool	 b;
	long	 i;
	char	*s;
};

/* The default of key, as it would be written in the file. */
const char *reloc__conf_key_default(enum reloc_conf_key key);
/*
 * Parse text as key's value into v (s replaced, the old one freed).
 * Errors are logged "WHERE: KEY: ..." and returned as RELOC_ERR_CONFIG.
 */
int	reloc__conf_parse(enum reloc_conf_key key, const char *text,
	    const char *where, struct reloc__conf_value *v);
/* s made safe for one log line in buf: no control bytes, bounded. */
const char *reloc__conf_show(const char *s, size_t len, char *buf,
	    size_t size);

/* hv_sim.c */
extern const struct reloc_hv_ops reloc__hv_sim_ops;
/*
 * The sim backend on an explicit directory (created if missing), for its
 * admin tool and the tests; close with reloc__hv_sim_ops.close.
 */
int	reloc__sim_open_dir(const char *dir, void **priv_r);
/*
 * Create a running (or paused) sim domain from dom: name, memory_kb
 * (whole pages), vcpus, type, devices; a uuid is made when dom's is empty
 * and it runs with the host's CPU features when dom names none.  Its
 * memory is filled with random bytes; its guest dirties rate_mb MB/s.
 */
int	reloc__sim_create(void *priv, const struct reloc_domain *dom,
	    unsigned rate_mb, bool paused, uint32_t *domid_r);
/* What a new sim domain's memory holds (xrelocd-sim create --fill). */
enum reloc__sim_fill {
	RELOC_SIM_FILL_RANDOM,
	RELOC_SIM_FILL_ZERO,
	RELOC_SIM_FILL_REALISTIC,	/* 1/2 zero, 1/4 text, 1/4 random */
	RELOC_SIM_FILL_SPARSE,		/* nothing: a restore fills it */
};
struct reloc__sim_create_opts {
	unsigned		 rate_mb;	/* the guest's dirty rate */
	bool			 paused;
	enum reloc__sim_fill	 fill;
};
/*
 * reloc__sim_create with its memory filled as o->fill says (not SPARSE):
 * zero pages are left unwritten (holes in the memory file, as a guest's
 * unpopulated frames), text pages are copies of system files (the
 * licences in /usr/share/common-licenses, else generated words).
 */
int	reloc__sim_create_with(void *priv, const struct reloc_domain *dom,
	    const struct reloc__sim_create_opts *o, uint32_t *domid_r);
/* "random", "zero", "realistic" into *fill_r; false for anything else. */
bool	reloc__sim_fill_parse(const char *s, enum reloc__sim_fill *fill_r);
/* The domain named dom (a name or a numeric id). */
int	reloc__sim_domid(void *priv, const char *dom, uint32_t *domid_r);
/* The guest's counter; the XXH3-64 of the domain's whole memory. */
int	reloc__sim_counter(void *priv, uint32_t domid, uint64_t *value_r);
int	reloc__sim_checksum(void *priv, uint32_t domid, uint64_t *sum_r);

/* hv_libxl.c */
extern const struct reloc_hv_ops reloc__hv_libxl_ops;

/* hv_libxl_dom.c */
/*
 * Append a vif, disk or passthrough device to d (its counts include a
 * failed append; reloc_domain_dispose() frees what was filled).
 */
int	reloc__xendom_add_vif(struct reloc_domain *d, const uint8_t mac[6],
	    const char *bridge, const char *ip);
int	reloc__xendom_add_disk(struct reloc_domain *d, const char *vdev,
	    const char *path, bool removable);
int	reloc__xendom_add_passdev(struct reloc_domain *d, const char *kind,
	    const char *id);
/* Bytes of a local image or block device; 0 when not a local path. */
uint64_t reloc__xendom_disk_size(const char *path);
/* dom->config as a NUL-terminated string (malloc'ed). */
int	reloc__xendom_config_json(const struct reloc_domain *dom,
	    char **json_r);

#endif /* RELOC_INT_H */
