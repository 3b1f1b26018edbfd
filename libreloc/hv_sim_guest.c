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
 * A sim domain's memory files and its guest: a double-forked process that
 * maps the memory and dirty bitmap, counts, and writes pages at the
 * domain's dirty rate.  Pausing it is a real SIGSTOP.
 */

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv_sim.h"

#define GUEST_TICK_NS	1000000ull	/* 1 ms */
#define GUEST_MAX_OWED	(20 * GUEST_TICK_NS)
#define GUEST_CHECK_NS	(128 * GUEST_TICK_NS)	/* memory file still there? */
#define GUEST_THROTTLE_MAX 99			/* percent */

static int	wait_stopped(pid_t);

static int
create_file(const char *path, uint64_t bytes)
{
	int	 fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		log_warn("hv", "sim: create %s", path);
		return -1;
	}
	/* Reserve the blocks now so a full disk shows up here, not later. */
	if (bytes > 0 && (r = posix_fallocate(fd, 0, (off_t)bytes)) != 0) {
		errno = r;
		log_warn("hv", "sim: allocate %llu bytes for %s",
		    (unsigned long long)bytes, path);
		close(fd);
		unlink(path);
		errno = r;
		return -1;
	}
	return fd;
}

/* Fill the memory file fd of domid (pages) as fill says. */
static int
mem_fill(int fd, uint32_t domid, uint64_t pages, enum reloc__sim_fill fill)
{
	uint64_t	 bytes = pages << SIM_PAGE_SHIFT;
	void		*mem;
	int		 rc;

	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		log_warn("hv", "sim: mmap the memory of domain %u",
		    (unsigned)domid);
		return reloc__errno_to_err(errno);
	}
	rc = reloc__sim_fill(mem, pages, fill, (uint64_t)time(NULL) ^
	    ((uint64_t)domid << 32) ^ (uint64_t)getpid());
	/* A fresh guest has counted nothing yet. */
	memset(mem, 0, sizeof(struct sim_counter));
	((struct sim_counter *)mem)->check = ~0ull;
	munmap(mem, bytes);
	return rc;
}

/*
 * Create memory (pages, filled as fill says), an empty dirty bitmap and
 * fresh registers for domid.
 */
int
reloc__sim_mem_create(const struct sim *sim, uint32_t domid, uint64_t pages,
    enum reloc__sim_fill fill)
{
	char		 path[SIM_PATH_LEN];
	struct sim_vcpu	 vcpu = { SIM_VCPU_MAGIC, 0, 0, 0, 0, 0, 0 };
	bool		 sparse = fill == RELOC_SIM_FILL_SPARSE;
	uint64_t	 bytes = pages << SIM_PAGE_SHIFT;
	int		 fd, rc;

	if ((rc = reloc__sim_path(sim, domid, "memory", path)) < 0)
		return rc;
	/*
	 * A restore's memory starts sparse: allocating it all here would
	 * hold up the stream (hv_sim_restore.c allocates ahead of it).
	 * Zero pages of a new domain are allocated, never written: the
	 * file reads as zero there, and the saver sees them as holes.
	 */
	if ((fd = create_file(path, sparse ? 0 : bytes)) == -1)
		return reloc__errno_to_err(errno);
	if (sparse && ftruncate(fd, (off_t)bytes) == -1) {
		log_warn("hv", "sim: truncate %s", path);
		close(fd);
		return reloc__errno_to_err(errno);
	}
	if (!sparse && (rc = mem_fill(fd, domid, pages, fill)) < 0) {
		close(fd);
		return rc;
	}
	close(fd);
	if ((rc = reloc__sim_path(sim, domid, "dirty", path)) < 0)
		return rc;
	if ((fd = create_file(path, (pages + 63) / 64 * 8)) == -1)
		return reloc__errno_to_err(errno);
	close(fd);
	vcpu.rng = ((uint64_t)domid << 32) ^ (uint64_t)time(NULL) ^ 0x9e37;
	if ((rc = reloc__sim_path(sim, domid, "vcpu", path)) < 0)
		return rc;
	if ((fd = create_file(path, 0)) == -1)
		return reloc__errno_to_err(errno);
	errno = 0;
	if (write(fd, &vcpu, sizeof(vcpu)) == sizeof(vcpu))
		rc = 0;
	else if ((rc = reloc__errno_to_err(errno)) == 0)
		rc = RELOC_ERR_IO;
	close(fd);
	return rc;
}

static void *
map_file(const char *path, size_t len, bool rdonly)
{
	struct stat	 st;
	void		*p;
	int		 fd;

	if ((fd = open(path, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC)) ==
	    -1) {
		log_warn("hv", "sim: open %s", path);
		return NULL;
	}
	/* Registers files of older sims are shorter: grow them. */
	if (!rdonly && fstat(fd, &st) == 0 && (uint64_t)st.st_size < len &&
	    ftruncate(fd, (off_t)len) == -1)
		log_warn("hv", "sim: truncate %s", path);
	p = mmap(NULL, len, rdonly ? PROT_READ : PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("hv", "sim: mmap %s", path);
		return NULL;
	}
	return p;
}

/*
 * Map a domain's memory (flags: SIM_MAP_*), bitmap and registers; the
 * size comes from the memory file.  Never populated: setting up and
 * tearing down the page tables of a whole domain costs more than the
 * faults of the pages actually touched.
 */
int
reloc__sim_map(const struct sim *sim, uint32_t domid, struct sim_map *m,
    unsigned flags)
{
	char		 path[SIM_PATH_LEN];
	struct stat	 st;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = reloc__sim_path(sim, domid, "memory", path)) < 0)
		return rc;
	if (stat(path, &st) == -1 || st.st_size < SIM_PAGE_SIZE) {
		log_warn("hv", "sim: stat %s", path);
		return RELOC_ERR_HV;
	}
	m->pages = (uint64_t)st.st_size >> SIM_PAGE_SHIFT;
	m->words = (m->pages + 63) / 64;
	if (!(flags & SIM_MAP_NOMEM) && (m->mem = map_file(path,
	    m->pages << SIM_PAGE_SHIFT, flags & SIM_MAP_RDONLY)) == NULL)
		goto fail;
	if (reloc__sim_path(sim, domid, "dirty", path) < 0 ||
	    (m->dirty = map_file(path, m->words * 8, false)) == NULL)
		goto fail;
	if (reloc__sim_path(sim, domid, "vcpu", path) < 0 ||
	    (m->vcpu = map_file(path, sizeof(*m->vcpu), false)) == NULL)
		goto fail;
	return 0;
fail:
	reloc__sim_unmap(m);
	return RELOC_ERR_HV;
}

void
reloc__sim_unmap(struct sim_map *m)
{
	if (m->mem != NULL)
		munmap(m->mem, m->pages << SIM_PAGE_SHIFT);
	if (m->dirty != NULL)
		munmap(m->dirty, m->words * 8);
	if (m->vcpu != NULL)
		munmap(m->vcpu, sizeof(*m->vcpu));
	memset(m, 0, sizeof(*m));
}

bool
reloc__sim_counter_read(const uint8_t *mem, uint64_t *value_r)
{
	const struct sim_counter *c = (const struct sim_counter *)mem;
	uint64_t	 v, check;
	int		 i;

	for (i = 0; i < 1000; i++) {
		v = __atomic_load_n(&c->value, __ATOMIC_ACQUIRE);
		check = __atomic_load_n(&c->check, __ATOMIC_ACQUIRE);
		if (check == ~v) {
			*value_r = v;
			return true;
		}
		sched_yield();
	}
	return false;
}

static void
mark_dirty(struct sim_map *m, uint64_t pfn)
{
	__atomic_fetch_or(&m->dirty[pfn / 64], 1ull << (pfn % 64),
	    __ATOMIC_RELEASE);
}

/*
 * Around every write to a page: announce it (writing, dirty bit, fence)
 * before the data, and set the dirty bit again after it, since save
 * clears a bit before reading the page.  hv_sim_save.c relies on both.
 */
static void
write_begin(struct sim_map *m, uint64_t pfn)
{
	__atomic_store_n(&m->vcpu->writing, pfn + 1, __ATOMIC_RELAXED);
	mark_dirty(m, pfn);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
write_end(struct sim_map *m, uint64_t pfn)
{
	mark_dirty(m, pfn);
	__atomic_store_n(&m->vcpu->writing, 0, __ATOMIC_RELEASE);
}

/*
 * Write a page: a pattern of the counter, or zeros every fourth time (a
 * guest scrubs the pages it frees), so a page may turn zero while it is
 * saved and the target must clear it.
 */
static void
write_page(struct sim_map *m, uint64_t pfn, uint64_t counter, bool zero)
{
	uint64_t	*w = (uint64_t *)(m->mem + (pfn << SIM_PAGE_SHIFT));
	size_t		 i;

	write_begin(m, pfn);
	for (i = 0; i < SIM_PAGE_SIZE / 8; i++)
		__atomic_store_n(&w[i], zero ? 0 : counter ^ (pfn << 24) ^
		    (i * 0x9e3779b97f4a7c15ull), __ATOMIC_RELAXED);
	write_end(m, pfn);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One tick: count, then write the pages the dirty rate owes. */
static void
guest_tick(struct sim_map *m, uint64_t pps, uint64_t elapsed)
{
	struct sim_counter *c = (struct sim_counter *)m->mem;
	struct sim_vcpu	*v = m->vcpu;
	uint64_t	 value, n;

	value = __atomic_load_n(&c->value, __ATOMIC_RELAXED) + 1;
	write_begin(m, 0);
	__atomic_store_n(&c->value, value, __ATOMIC_RELEASE);
	__atomic_store_n(&c->check, ~value, __ATOMIC_RELEASE);
	write_end(m, 0);
	if (pps == 0 || m->pages < 2)
		return;
	v->budget_ns += elapsed > GUEST_MAX_OWED ? GUEST_MAX_OWED : elapsed;
	n = v->budget_ns * pps / 1000000000ull;
	v->budget_ns -= n * 1000000000ull / pps;
	while (n-- > 0) {
		/* Page 0 holds the counter: the others are fair game. */
		write_page(m, 1 + reloc__sim_xorshift(&v->rng) %
		    (m->pages - 1), value, v->cursor % 4 == 3);
		v->cursor++;
	}
}

/*
 * The share of its time (percent) the guest gives up now.  A throttle
 * whose saver is gone (killed, say) is dropped here, when check_saver
 * (every GUEST_CHECK_NS, not every tick): nobody else would.
 */
static unsigned
throttle_now(struct sim_vcpu *v, bool check_saver)
{
	uint64_t	 pct = __atomic_load_n(&v->throttle, __ATOMIC_ACQUIRE);
	int64_t		 pid;

	if (pct == 0)
		return 0;
	pid = __atomic_load_n(&v->throttle_pid, __ATOMIC_ACQUIRE);
	if (pid <= 0 || (check_saver && kill((pid_t)pid, 0) == -1 &&
	    errno == ESRCH)) {
		(void)__atomic_compare_exchange_n(&v->throttle, &pct, 0, false,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		return 0;
	}
	return pct > GUEST_THROTTLE_MAX ? GUEST_THROTTLE_MAX : (unsigned)pct;
}

/*
 * Tick until the domain's memory file is removed from under us.  A
 * throttle of t% stretches each tick's sleep so that the guest runs
 * (100 - t)% of the time, and only that share of the time counts towards
 * the dirty rate: nothing is owed, so nothing is caught up after.
 */
static void
guest_loop(struct sim_map *m, unsigned rate_mb, int memfd)
{
	struct timespec	 tick = { 0, GUEST_TICK_NS };
	struct stat	 st;
	uint64_t	 pps = (uint64_t)rate_mb << (20 - SIM_PAGE_SHIFT);
	uint64_t	 last = now_ns(), check = last, t;
	unsigned	 thr;
	bool		 checking;

	for (;;) {
		t = now_ns();
		if ((checking = t - check >= GUEST_CHECK_NS)) {
			check = t;
			if (fstat(memfd, &st) == 0 && st.st_nlink == 0)
				return;
		}
		thr = throttle_now(m->vcpu, checking);
		guest_tick(m, pps, (t - last) * (100 - thr) / 100);
		last = t;
		tick.tv_nsec = (long)(GUEST_TICK_NS * 100 / (100 - thr));
		nanosleep(&tick, NULL);
	}
}

/*
 * Throttle the guest of v to pct percent (0: none) on behalf of this
 * process: the guest drops it by itself should this process die.  v may
 * be NULL (nothing mapped).
 */
void
reloc__sim_guest_throttle(struct sim_vcpu *v, unsigned pct)
{
	if (v == NULL)
		return;
	__atomic_store_n(&v->throttle_pid, pct != 0 ? (int64_t)getpid() : 0,
	    __ATOMIC_RELEASE);
	__atomic_store_n(&v->throttle, (uint64_t)(pct > GUEST_THROTTLE_MAX ?
	    GUEST_THROTTLE_MAX : pct), __ATOMIC_RELEASE);
}

/* The guest itself, in the grandchild: never returns. */
static void
guest_main(const struct sim *sim, uint32_t domid, unsigned rate_mb,
    bool paused, int wfd)
{
	char		 path[SIM_PATH_LEN];
	struct sim_map	 m;
	struct stat	 st;
	sigset_t	 all;
	pid_t		 me = 0;
	int		 fd, sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/*
	 * The guest records its own pid before its creator learns it, so
	 * that a creator killed meanwhile (its worker, mid-restore) still
	 * leaves the pid for whoever destroys the domain.
	 */
	if (reloc__sim_map(sim, domid, &m, 0) == 0 &&
	    reloc__sim_set_pid(sim, domid, getpid()) == 0)
		me = getpid();
	(void)!write(wfd, &me, sizeof(me));
	if (me == 0)
		_exit(1);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	/* Hold no descriptor of whoever created the domain. */
	closefrom(3);
	/*
	 * A domain whose directory was wiped has no business running: its
	 * memory file still linked once the pid is recorded means no
	 * destroy came before (a destroy reads the pid first).
	 */
	if (reloc__sim_path(sim, domid, "memory", path) < 0 ||
	    (fd = open(path, O_RDONLY)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_nlink == 0)
		_exit(1);
	if (paused)
		raise(SIGSTOP);
	guest_loop(&m, rate_mb, fd);
	_exit(0);
}

/*
 * Start domid's guest, detached (double fork, own session), and record
 * its pid.  When paused it stops itself before its first tick and this
 * returns once it shows as stopped.
 */
int
reloc__sim_guest_start(const struct sim *sim, uint32_t domid,
    unsigned rate_mb, bool paused)
{
	pid_t	 child, guest = 0;
	int	 p[2], status, rc;

	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("hv", "sim: pipe");
		return RELOC_ERR_IO;
	}
	if ((child = fork()) == -1) {
		log_warn("hv", "sim: fork");
		close(p[0]);
		close(p[1]);
		return RELOC_ERR_HV;
	}
	if (child == 0) {
		close(p[0]);
		setsid();
		if (fork() == 0)
			guest_main(sim, domid, rate_mb, paused, p[1]);
		_exit(0);
	}
	close(p[1]);
	while (waitpid(child, &status, 0) == -1 && errno == EINTR)
		;
	if (read(p[0], &guest, sizeof(guest)) != sizeof(guest) || guest <= 0) {
		log_warnx("hv", "sim: domain %u: guest did not start",
		    (unsigned)domid);
		close(p[0]);
		return RELOC_ERR_HV;
	}
	close(p[0]);
	/*
	 * A paused guest stops itself; a SIGSTOP from here could land before
	 * its own and a later SIGCONT would then meet the second stop.
	 */
	/* The guest recorded its pid itself (guest_main). */
	if (paused && (rc = wait_stopped(guest)) < 0) {
		reloc__sim_guest_kill(guest);
		return rc;
	}
	return 0;
}

/* The state letter of /proc/PID/stat, or 0 when pid is gone. */
static char
proc_state(pid_t pid)
{
	char	 path[64], buf[512], *p;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

bool
reloc__sim_guest_alive(pid_t pid)
{
	char	 s = proc_state(pid);

	return s != 0 && s != 'Z' && s != 'X';
}

/* Wait up to ms for pid's state to be (or, with not, stop being) want. */
static bool
wait_state(pid_t pid, char want, bool not, int ms)
{
	struct timespec	 ts = { 0, 200000 };
	uint64_t	 end = now_ns() + (uint64_t)ms * 1000000ull;
	char		 s;

	for (;;) {
		s = proc_state(pid);
		if (not ? s != want : s == want)
			return true;
		if (s == 0 || now_ns() > end)
			return false;
		nanosleep(&ts, NULL);
	}
}

static int
wait_stopped(pid_t pid)
{
	if (!wait_state(pid, 'T', false, SIM_WAIT_STOP_MS)) {
		log_warnx("hv", "sim: guest %ld did not stop", (long)pid);
		return RELOC_ERR_TIMEOUT;
	}
	return 0;
}

int
reloc__sim_guest_stop(pid_t pid)
{
	if (kill(pid, SIGSTOP) == -1) {
		log_warn("hv", "sim: stop guest %ld", (long)pid);
		return RELOC_ERR_HV;
	}
	return wait_stopped(pid);
}

int
reloc__sim_guest_cont(pid_t pid)
{
	if (kill(pid, SIGCONT) == -1) {
		log_warn("hv", "sim: continue guest %ld", (long)pid);
		return RELOC_ERR_HV;
	}
	return 0;
}

/* Kill the guest and wait until it is gone (its parent is init). */
void
reloc__sim_guest_kill(pid_t pid)
{
	char	 s;

	if (kill(pid, SIGKILL) == -1)
		return;
	/* A reaper that never comes leaves a zombie: dead all the same. */
	if (!wait_state(pid, 'Z', false, SIM_WAIT_STOP_MS) &&
	    (s = proc_state(pid)) != 0 && s != 'X')
		log_warnx("hv", "sim: guest %ld still there after kill",
		    (long)pid);
}
