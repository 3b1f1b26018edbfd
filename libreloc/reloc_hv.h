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
 * The hypervisor side of libreloc: domain and host descriptions, the
 * backend interface and its registry, MAC announcements.
 * Included by reloc.h; include that.
 */

#ifndef RELOC_HV_H
#define RELOC_HV_H

#ifndef RELOC_H
#error "include reloc.h, not reloc_hv.h"
#endif

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
/*
 * True if s is a uuid in its text form, "8-4-4-4-12" hex digits of
 * either case, as backends accept it in place of a name.  Pure.
 */
bool reloc_domain_uuid_valid(const char *s);
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
	/*
	 * Which hypervisor host this is, stable across daemon restarts, as
	 * Xen-API's host uuid; "" when unknown.  Equal on both ends of a
	 * migration means the peer is this host.
	 */
	char		 host_uuid[37];
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
	uint64_t	 suspended_ns;	/* CLOCK_MONOTONIC when paused, or 0 */
	uint64_t	 predicted_ns;	/* stop-and-copy time if pre-copy
					   stopped now (ns); 0: unknown */
	unsigned	 throttle_pct;	/* guest's CPU held back, percent */
};

typedef void (*reloc_progress_fn)(const struct reloc_progress *p, void *arg);

/*
 * A stream the caller moves with its own code (TLS in user space), for
 * a backend that takes one (reloc_hv_ops.stream_io): the backend calls
 * these where it would call writev(2) and readv(2) on its fd, and never
 * touches the fd.  Both block, each wait bounded by the caller's I/O
 * deadline, and log their own failures.  The iovecs are the backend's;
 * the functions copy or encrypt from them before returning.  arg is the
 * caller's, passed back to each.
 */
struct reloc_stream_io {
	/* Every byte of iov[0..n): 0, or a reloc_err. */
	int	(*writev)(void *arg, const struct iovec *iov, int n);
	/*
	 * Some bytes into iov[0..n), at least one: their number; 0 at the
	 * stream's end; or a reloc_err.
	 */
	ssize_t	(*readv)(void *arg, const struct iovec *iov, int n);
	void	*arg;
};

/*
 * max_downtime_ms bounds the stop-and-copy: pre-copy goes on (throttling
 * the guest when it dirties faster than the link can follow) until the
 * predicted downtime fits; 0 keeps the backend's own rule (a few rounds,
 * then stop whatever is dirty).  timeout_s: when the budget is still not
 * met after that many seconds of pre-copy, the save fails with
 * RELOC_ERR_TIMEOUT before the domain is suspended (0: no limit; at the
 * highest throttle a few rounds more end it anyway).  On that failure
 * why (why_len bytes, the caller's; may be NULL) holds one line with the
 * measured rates and the downtime needed.  The throttle is undone before
 * save returns, whatever it returns.  io (borrowed for the call): the
 * stream goes through it, not fd.
 */
struct reloc_save_params {
	bool		 live;
	unsigned	 max_rounds;	/* 0: the backend's default */
	reloc_progress_fn progress;	/* may be NULL */
	void		*progress_arg;
	unsigned	 max_downtime_ms;
	unsigned	 timeout_s;
	char		*why;
	size_t		 why_len;
	const struct reloc_stream_io *io;	/* NULL: write to fd */
};

/* io, as for save: borrowed for the call; name is borrowed too. */
struct reloc_restore_params {
	const char	*name;		/* name to create it under */
	reloc_progress_fn progress;	/* may be NULL */
	void		*progress_arg;
	const struct reloc_stream_io *io;	/* NULL: read from fd */
};

/*
 * A hypervisor backend.  Every function returns 0 or a negative
 * reloc_err and logs its own failures (module "hv").  All of them may
 * block.  A backend instance belongs to one process: open it after fork.
 */
struct reloc_hv_ops {
	const char	*name;
	/*
	 * save and restore take p->io: set only for a backend that says
	 * so (the others get a socket of their own to the caller's code).
	 */
	bool		 stream_io;
	/* Open an instance for conf; *priv_r is passed to every call. */
	int	(*open)(const struct reloc_conf *conf, void **priv_r);
	void	(*close)(void *priv);
	/* Every domain but dom0: brief descriptions (no config blob). */
	int	(*list)(void *priv, struct reloc_domain **doms_r, size_t *n_r);
	/* Full description of a domain given by name, numeric id or uuid. */
	int	(*describe)(void *priv, const char *dom,
		    struct reloc_domain *dom_r);
	int	(*host_info)(void *priv, struct reloc_hostinfo *hi_r);
	/*
	 * Write the domain's stream to fd (or through p->io, see above),
	 * self-delimiting.  On success the domain is left suspended; on
	 * failure the caller calls resume.
	 */
	int	(*save)(void *priv, uint32_t domid, int fd,
		    const struct reloc_save_params *p);
	/* Undo a save: the domain runs again as before. */
	int	(*resume)(void *priv, uint32_t domid);
	/*
	 * Create a domain from dom's config blob and the stream on fd (or
	 * through p->io), under p->name, paused.  On failure nothing is
	 * left behind.
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

#endif /* RELOC_HV_H */
