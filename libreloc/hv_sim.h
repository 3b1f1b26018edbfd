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
 * Private to the sim backend (hv_sim*.c): the on-disk layout of a
 * simulated host, the guest's counter and registers, and the save stream's
 * record format.  Everything a sim host knows lives under its directory.
 */

#ifndef HV_SIM_H
#define HV_SIM_H

#include <sys/types.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "reloc-int.h"

#define SIM_PAGE_SHIFT		12
#define SIM_PAGE_SIZE		(1u << SIM_PAGE_SHIFT)
#define SIM_PATH_LEN		4096
#define SIM_TOTAL_KB_DEFAULT	(16ull << 20)	/* 16 GiB */
#define SIM_WAIT_STOP_MS	5000

/* One backend instance: only the directory; the state lives in it. */
struct sim {
	char		*dir;
};

/*
 * The guest's counter at offset 0 of page 0.  The guest stores value,
 * then check = ~value, so a reader that sees check != ~value caught the
 * guest in between and reads again.
 */
struct sim_counter {
	uint64_t	 value;
	uint64_t	 check;
};

/*
 * The guest's registers (file "vcpu").  The first four words are saved
 * as the STATE record.  writing is pfn + 1 of the page the guest is
 * writing right now (0: none): the saver reads it to catch a write that
 * began before it cleared the page's dirty bit (see hv_sim_send.c).
 */
struct sim_vcpu {
	uint64_t	 magic;
	uint64_t	 rng;		/* page picker state */
	uint64_t	 cursor;	/* pages written so far */
	uint64_t	 budget_ns;	/* time owed to the dirty rate */
	uint64_t	 writing;	/* not saved */
	/*
	 * Auto-converge (not saved): the share of its time, in percent, the
	 * guest gives up, for as long as the process throttle_pid (the
	 * saver) lives; a guest whose saver died drops it.
	 */
	uint64_t	 throttle;
	int64_t		 throttle_pid;
};
#define SIM_VCPU_MAGIC		0x3175706376736978ull	/* "xsvcpu1" */
#define SIM_STATE_WORDS		4	/* words of sim_vcpu in STATE */

/* A domain's memory, dirty bitmap and registers, mapped shared. */
struct sim_map {
	uint8_t		*mem;		/* NULL with SIM_MAP_NOMEM */
	uint64_t	*dirty;
	struct sim_vcpu	*vcpu;
	uint64_t	 pages;
	size_t		 words;		/* 64-bit words of the bitmap */
};

/* reloc__sim_map flags: how the memory itself is mapped. */
#define SIM_MAP_RDONLY		0x1	/* read only (save, tools) */
#define SIM_MAP_NOMEM		0x2	/* not at all (restore maps its own) */

/*
 * The save stream: records of a fixed little-endian header and data.
 * HEADER, STATE, END: pfn 0, count = data bytes; csum is XXH3-64 of the
 * data seeded with XXH3-64 of the header's first 24 bytes, so it covers
 * both.  ZERO: pfn and count pages (any number) that are all zero, no
 * data, csum as for END; the target writes zeros there (a zero page never
 * crosses the wire, compressed or not).
 * PAGES: pfn 0, count = runs (1 to SIM_REC_MAX_RUNS), csum 0; then the
 * run table (count struct sim_run: pfn and pages, in increasing pfn
 * order, not overlapping, at most SIM_REC_MAX_PAGES pages in all), the
 * pages of every run in table order, and a trailer: the pages that
 * changed while they were sent (bit i: the record's page i; each is sent
 * again later) and csum, XXH3-64 of the little-endian array of each
 * page's XXH3-64 (0 for the changed ones) followed by the trailer's bitmap
 * words, seeded with XXH3-64 of the run table seeded as above.  Why that
 * is enough is argued in hv_sim_send.c.  A restorer refuses any other
 * version.  Bump SIM_STREAM_VERSION when this changes.
 */
#define SIM_STREAM_MAGIC	0x6d69736f6c657278ull	/* "xrelosim" */
#define SIM_STREAM_VERSION	4
#define SIM_REC_MAX_PAGES	256	/* 1 MiB: hashed while cached */
#define SIM_REC_MAX_RUNS	256	/* runs in one PAGES record */
#define SIM_REC_MAX_DATA	4096	/* non-page records */
#define SIM_REC_WORDS		(SIM_REC_MAX_PAGES / 64)

enum sim_rec_type {
	SIM_REC_HEADER = 1,
	SIM_REC_PAGES,
	SIM_REC_STATE,
	SIM_REC_END,
	SIM_REC_ZERO,
};

struct sim_rec {
	uint32_t	 type;
	uint32_t	 flags;		/* 0 */
	uint64_t	 pfn;
	uint64_t	 count;
	uint64_t	 csum;
};

/* One entry of a PAGES record's run table. */
struct sim_run {
	uint64_t	 pfn;
	uint64_t	 count;		/* pages */
};

struct sim_rec_trailer {
	uint64_t	 changed[SIM_REC_WORDS];
	uint64_t	 csum;
};

struct sim_stream_hdr {
	uint64_t	 magic;
	uint32_t	 version;
	uint32_t	 page_size;
	uint64_t	 pages;
};

/* hv_sim_dom.c: the directory, its lock and the domains' files */
int	reloc__sim_path(const struct sim *sim, uint32_t domid,
	    const char *file, char *buf);
int	reloc__sim_lock(const struct sim *sim, int *fd_r);
void	reloc__sim_unlock(int fd);
int	reloc__sim_dom_read(const struct sim *sim, uint32_t domid,
	    struct reloc_domain *dom_r);
int	reloc__sim_dom_write(const struct sim *sim,
	    const struct reloc_domain *dom);
int	reloc__sim_dom_set_state(const struct sim *sim, uint32_t domid,
	    enum reloc_dom_state state);
int	reloc__sim_domids(const struct sim *sim, uint32_t **ids_r,
	    size_t *n_r);
int	reloc__sim_resolve(const struct sim *sim, const char *dom,
	    uint32_t *domid_r);
int	reloc__sim_used_kb(const struct sim *sim, uint64_t *kb_r);
int	reloc__sim_rename(const struct sim *sim, uint32_t domid,
	    const char *name);
int	reloc__sim_reserve(const struct sim *sim, struct reloc_domain *dom);
void	reloc__sim_remove(const struct sim *sim, uint32_t domid);
int	reloc__sim_pid(const struct sim *sim, uint32_t domid, pid_t *pid_r);
int	reloc__sim_set_pid(const struct sim *sim, uint32_t domid, pid_t pid);
unsigned reloc__sim_dirty_rate(const struct reloc_domain *dom);

/* hv_sim_guest.c: memory files and the guest process */
int	reloc__sim_mem_create(const struct sim *sim, uint32_t domid,
	    uint64_t pages, enum reloc__sim_fill fill);
int	reloc__sim_map(const struct sim *sim, uint32_t domid,
	    struct sim_map *m, unsigned flags);
void	reloc__sim_unmap(struct sim_map *m);
int	reloc__sim_guest_start(const struct sim *sim, uint32_t domid,
	    unsigned rate_mb, bool paused);
int	reloc__sim_guest_stop(pid_t pid);
int	reloc__sim_guest_cont(pid_t pid);
void	reloc__sim_guest_kill(pid_t pid);
bool	reloc__sim_guest_alive(pid_t pid);
void	reloc__sim_guest_throttle(struct sim_vcpu *v, unsigned pct);
bool	reloc__sim_counter_read(const uint8_t *mem, uint64_t *value_r);

/* hv_sim_fill.c: a new domain's memory, mapped read-write */
int	reloc__sim_fill(uint8_t *mem, uint64_t pages,
	    enum reloc__sim_fill fill, uint64_t seed);
uint64_t reloc__sim_xorshift(uint64_t *s);

/* hv_sim_host.c: host facts */
int	reloc__sim_host_info(const struct sim *sim,
	    struct reloc_hostinfo *hi_r);
uint64_t reloc__sim_total_kb(const struct sim *sim);
bool	reloc__sim_snapshots(const struct sim *sim);
int	reloc__sim_snapshot(const struct sim *sim, uint32_t domid,
	    const char *uuid, const char *suffix);
int	reloc__sim_snapshot_open(const struct sim *sim, const char *uuid,
	    const char *suffix, uint64_t size);
void	reloc__sim_snapshot_put(int *fd, const uint8_t *mem, uint64_t pfn,
	    uint64_t n, bool zero);

/* hv_sim_rec.c: record checksums, zero pages */
uint64_t reloc__sim_rec_csum(const struct sim_rec *r, const void *data,
	    size_t len);
void	reloc__sim_page_hashes(const uint8_t *data, uint64_t n,
	    uint64_t *h);
uint64_t reloc__sim_pages_csum(const struct sim_rec *r,
	    const struct sim_run *runs, uint64_t *h, uint64_t n,
	    const struct sim_rec_trailer *t);
bool	reloc__sim_page_zero(const uint8_t *page);

/* migrate.c (declared in migrate.h too): clock clk's time in ns */
uint64_t	reloc__now_ns(clockid_t clk);

/*
 * hv_sim_mem.c: a domain's memory mapping outside the downtime window.
 * start checks that the file system of path (the memory file) has room
 * for size bytes (else logs it and returns RELOC_ERR_NOSPC), then a
 * thread faults mem (a shared read-write mapping of that file, zero as
 * it is) in ahead of the reader, whose offset (bytes) the reader sets as
 * it goes.  stop ends it (at the end of the stream, or on failure, and
 * again harmlessly) and returns 0 or the error its faults met, logged
 * (RELOC_ERR_NOSPC: the file system holding the memory is full).  name
 * (the domain's, for messages) is borrowed.
 */
struct reloc__sim_ahead {
	pthread_t	 thread;
	bool		 running;
	uint8_t		*mem;
	uint64_t	 size;		/* bytes */
	const char	*name;
	uint64_t	 reader;	/* atomic: bytes, the reader's offset */
	bool		 stop;		/* atomic */
	int		 err;		/* errno of a failed fault */
};
int	reloc__sim_ahead_start(struct reloc__sim_ahead *a, const char *path,
	    uint8_t *mem, uint64_t size, const char *name);
void	reloc__sim_ahead_reader(struct reloc__sim_ahead *a, uint64_t off);
/*
 * Fault len bytes at off in now: 0, or RELOC_ERR_NOSPC (logged) where a
 * write from user space would have met SIGBUS on a full file system.
 */
int	reloc__sim_ahead_fault(struct reloc__sim_ahead *a, uint64_t off,
	    uint64_t len);
int	reloc__sim_ahead_stop(struct reloc__sim_ahead *a);
/*
 * In a thread of their own, so that the caller goes on at once (inline
 * when no thread can be had): unmap mem..mem+len (NULL: nothing), close
 * fd (-1: nothing; ownership passes).  Neither reports an error.
 */
void	reloc__sim_unmap_later(void *mem, uint64_t len);
void	reloc__sim_close_later(int fd);

/* hv_sim_save.c, hv_sim_restore.c: the stream */
int	reloc__sim_save(const struct sim *sim, uint32_t domid, int fd,
	    const struct reloc_save_params *p);
int	reloc__sim_restore(const struct sim *sim,
	    const struct reloc_domain *dom, int fd,
	    const struct reloc_restore_params *p, uint32_t *domid_r);

#endif /* HV_SIM_H */
