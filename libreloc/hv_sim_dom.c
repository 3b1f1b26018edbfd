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
 * The sim host's directory: its lock, domain ids, and each domain's
 * config.sxp (the reloc_domain in sxp form, replaced atomically) and
 * guest.pid.  Every process that opens the backend sees the same state.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hv_sim.h"

int
reloc__sim_path(const struct sim *sim, uint32_t domid, const char *file,
    char *buf)
{
	int	 n;

	if (file == NULL)
		n = snprintf(buf, SIM_PATH_LEN, "%s/dom/%" PRIu32, sim->dir,
		    domid);
	else
		n = snprintf(buf, SIM_PATH_LEN, "%s/dom/%" PRIu32 "/%s",
		    sim->dir, domid, file);
	if (n < 0 || n >= SIM_PATH_LEN) {
		log_warnx("hv", "sim: path too long under %s", sim->dir);
		return RELOC_ERR_INVAL;
	}
	return 0;
}

int
reloc__sim_lock(const struct sim *sim, int *fd_r)
{
	char	 path[SIM_PATH_LEN];
	int	 fd;

	snprintf(path, sizeof(path), "%s/lock", sim->dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("hv", "sim: open %s", path);
		return reloc__errno_to_err(errno);
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			log_warn("hv", "sim: flock %s", path);
			close(fd);
			return RELOC_ERR_IO;
		}
	}
	*fd_r = fd;
	return 0;
}

void
reloc__sim_unlock(int fd)
{
	if (fd != -1)
		close(fd);
}

int
reloc__sim_pid(const struct sim *sim, uint32_t domid, pid_t *pid_r)
{
	char		 path[SIM_PATH_LEN];
	FILE		*f;
	long		 pid;
	int		 rc;

	if ((rc = reloc__sim_path(sim, domid, "guest.pid", path)) < 0)
		return rc;
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? RELOC_ERR_NOENT : RELOC_ERR_IO;
	rc = fscanf(f, "%ld", &pid) == 1 && pid > 1 ? 0 : RELOC_ERR_HV;
	fclose(f);
	if (rc < 0)
		log_warnx("hv", "sim: %s: bad pid", path);
	else
		*pid_r = (pid_t)pid;
	return rc;
}

/* Write path atomically: a temporary file renamed over it. */
static int
write_atomic(const char *path, const char *text, size_t len)
{
	char	 tmp[SIM_PATH_LEN + 8];
	FILE	*f;
	int	 ok, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "we")) == NULL) {
		log_warn("hv", "sim: create %s", tmp);
		return reloc__errno_to_err(errno);
	}
	errno = 0;
	ok = fwrite(text, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) == -1) {
		/* A full disk stays a full disk (ENOSPC) for the peer. */
		rc = reloc__errno_to_err(errno);
		log_warn("hv", "sim: write %s", path);
		unlink(tmp);
		return rc < 0 ? rc : RELOC_ERR_IO;
	}
	return 0;
}

int
reloc__sim_set_pid(const struct sim *sim, uint32_t domid, pid_t pid)
{
	char	 path[SIM_PATH_LEN], text[32];
	int	 rc, n;

	if ((rc = reloc__sim_path(sim, domid, "guest.pid", path)) < 0)
		return rc;
	n = snprintf(text, sizeof(text), "%ld\n", (long)pid);
	return write_atomic(path, text, (size_t)n);
}

int
reloc__sim_dom_read(const struct sim *sim, uint32_t domid,
    struct reloc_domain *dom_r)
{
	char			 path[SIM_PATH_LEN];
	struct reloc_sxp	*top = NULL, *form;
	struct reloc_domain	 dom = { 0 };
	pid_t			 pid;
	int			 rc;

	if ((rc = reloc__sim_path(sim, domid, "config.sxp", path)) < 0)
		return rc;
	if (access(path, F_OK) == -1)
		return RELOC_ERR_NOENT;
	if ((rc = reloc_sxp_read_file(path, &top)) < 0)
		goto out;
	if ((form = reloc_sxp_nth(top, 0)) == NULL) {
		log_warnx("hv", "sim: %s: empty", path);
		rc = RELOC_ERR_HV;
		goto out;
	}
	if ((rc = reloc_domain_from_sxp(form, &dom)) < 0)
		goto out;
	dom.domid = domid;
	/* A guest that died on its own is a domain that shut down. */
	if (reloc__sim_pid(sim, domid, &pid) == 0 &&
	    !reloc__sim_guest_alive(pid))
		dom.state = RELOC_DS_SHUTDOWN;
	*dom_r = dom;
	rc = 0;
out:
	reloc_sxp_free(top);
	return rc;
}

int
reloc__sim_dom_write(const struct sim *sim, const struct reloc_domain *dom)
{
	char			 path[SIM_PATH_LEN];
	struct reloc_sxp	*sxp = NULL;
	char			*text = NULL;
	size_t			 len;
	int			 rc;

	if ((rc = reloc__sim_path(sim, dom->domid, "config.sxp", path)) < 0)
		return rc;
	if ((rc = reloc_domain_to_sxp(dom, &sxp)) < 0 ||
	    (rc = reloc_sxp_write(sxp, &text, &len)) < 0)
		goto out;
	rc = write_atomic(path, text, len);
out:
	free(text);
	reloc_sxp_free(sxp);
	return rc;
}

int
reloc__sim_dom_set_state(const struct sim *sim, uint32_t domid,
    enum reloc_dom_state state)
{
	struct reloc_domain	 dom = { 0 };
	int			 lock = -1, rc;

	if ((rc = reloc__sim_lock(sim, &lock)) < 0)
		return rc;
	if ((rc = reloc__sim_dom_read(sim, domid, &dom)) < 0)
		goto out;
	dom.state = state;
	rc = reloc__sim_dom_write(sim, &dom);
out:
	reloc_domain_dispose(&dom);
	reloc__sim_unlock(lock);
	return rc;
}

static bool
parse_domid(const char *s, uint32_t *domid_r)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return false;
	*domid_r = (uint32_t)v;
	return true;
}

static int
cmp_domid(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
reloc__sim_domids(const struct sim *sim, uint32_t **ids_r, size_t *n_r)
{
	char		 path[SIM_PATH_LEN];
	DIR		*d;
	struct dirent	*de;
	uint32_t	*ids = NULL, *nids, id;
	size_t		 n = 0;

	snprintf(path, sizeof(path), "%s/dom", sim->dir);
	if ((d = opendir(path)) == NULL) {
		if (errno != ENOENT) {
			log_warn("hv", "sim: opendir %s", path);
			return reloc__errno_to_err(errno);
		}
	} else {
		while ((de = readdir(d)) != NULL) {
			if (!parse_domid(de->d_name, &id) || id == 0)
				continue;
			nids = reallocarray(ids, n + 1, sizeof(*ids));
			if (nids == NULL) {
				closedir(d);
				free(ids);
				return RELOC_ERR_NOMEM;
			}
			ids = nids;
			ids[n++] = id;
		}
		closedir(d);
		if (n > 0)
			qsort(ids, n, sizeof(*ids), cmp_domid);
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
}

/*
 * The domain called name (or, with by_uuid, whose uuid is name), other
 * than except; RELOC_ERR_NOENT if none.
 */
static int
find_dom(const struct sim *sim, const char *name, bool by_uuid,
    uint32_t except, uint32_t *domid_r)
{
	struct reloc_domain	 dom;
	uint32_t		*ids;
	size_t			 i, n;
	int			 rc, found = RELOC_ERR_NOENT;

	if ((rc = reloc__sim_domids(sim, &ids, &n)) < 0)
		return rc;
	for (i = 0; i < n && found < 0; i++) {
		memset(&dom, 0, sizeof(dom));
		if (ids[i] == except || reloc__sim_dom_read(sim, ids[i],
		    &dom) < 0)
			continue;
		if (by_uuid ? strcasecmp(dom.uuid, name) == 0 :
		    dom.name != NULL && strcmp(dom.name, name) == 0) {
			*domid_r = ids[i];
			found = 0;
		}
		reloc_domain_dispose(&dom);
	}
	free(ids);
	return found;
}

static int
find_name(const struct sim *sim, const char *name, uint32_t except,
    uint32_t *domid_r)
{
	return find_dom(sim, name, false, except, domid_r);
}

int
reloc__sim_resolve(const struct sim *sim, const char *dom,
    uint32_t *domid_r)
{
	char		 path[SIM_PATH_LEN];
	uint32_t	 id;
	int		 rc;

	if (parse_domid(dom, &id)) {
		if ((rc = reloc__sim_path(sim, id, "config.sxp", path)) < 0)
			return rc;
		if (id == 0 || access(path, F_OK) == -1)
			goto noent;
		*domid_r = id;
		return 0;
	}
	if (find_name(sim, dom, UINT32_MAX, domid_r) == 0 ||
	    (reloc_domain_uuid_valid(dom) &&
	    find_dom(sim, dom, true, UINT32_MAX, domid_r) == 0))
		return 0;
noent:
	log_warnx("hv", "sim: no domain %s", dom);
	return RELOC_ERR_NOENT;
}

/* Memory promised to domains (the lock makes it exact). */
int
reloc__sim_used_kb(const struct sim *sim, uint64_t *kb_r)
{
	struct reloc_domain	 dom;
	uint32_t		*ids;
	size_t			 i, n;
	uint64_t		 kb = 0;
	int			 rc;

	if ((rc = reloc__sim_domids(sim, &ids, &n)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		memset(&dom, 0, sizeof(dom));
		if (reloc__sim_dom_read(sim, ids[i], &dom) == 0)
			kb += dom.memory_kb;
		reloc_domain_dispose(&dom);
	}
	free(ids);
	*kb_r = kb;
	return 0;
}

/* The next free domain id, from DIR/next-domid; lock held. */
static int
alloc_domid(const struct sim *sim, uint32_t *domid_r)
{
	char		 path[SIM_PATH_LEN], dpath[SIM_PATH_LEN], text[16];
	unsigned long	 next = 1;
	FILE		*f;
	int		 rc, n;

	snprintf(path, sizeof(path), "%s/next-domid", sim->dir);
	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%lu", &next) != 1 || next == 0 ||
		    next >= 0x7ff0)
			next = 1;
		fclose(f);
	}
	for (;;) {
		if ((rc = reloc__sim_path(sim, (uint32_t)next, NULL,
		    dpath)) < 0)
			return rc;
		if (access(dpath, F_OK) == -1)
			break;
		next = next + 1 >= 0x7ff0 ? 1 : next + 1;
	}
	*domid_r = (uint32_t)next;
	n = snprintf(text, sizeof(text), "%lu\n", next + 1);
	return write_atomic(path, text, (size_t)n);
}

/*
 * Claim a domain id and its memory for dom (name unique, memory within the
 * host's total), create its directory and config.sxp.  Sets dom->domid.
 */
int
reloc__sim_reserve(const struct sim *sim, struct reloc_domain *dom)
{
	char		 path[SIM_PATH_LEN];
	uint64_t	 used, total;
	uint32_t	 id;
	int		 lock = -1, rc;

	if ((rc = reloc__sim_lock(sim, &lock)) < 0)
		return rc;
	if (find_name(sim, dom->name, UINT32_MAX, &id) == 0) {
		log_warnx("hv", "sim: domain %s already exists (%" PRIu32 ")",
		    dom->name, id);
		rc = RELOC_ERR_EXIST;
		goto out;
	}
	if ((rc = reloc__sim_used_kb(sim, &used)) < 0)
		goto out;
	total = reloc__sim_total_kb(sim);
	if (used > total || dom->memory_kb > total - used) {
		log_warnx("hv", "sim: domain %s needs %" PRIu64 " KiB, host "
		    "has %" PRIu64 " KiB free", dom->name, dom->memory_kb,
		    used > total ? 0 : total - used);
		rc = RELOC_ERR_NOSPC;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/dom", sim->dir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_warn("hv", "sim: mkdir %s", path);
		rc = reloc__errno_to_err(errno);
		goto out;
	}
	if ((rc = alloc_domid(sim, &dom->domid)) < 0 ||
	    (rc = reloc__sim_path(sim, dom->domid, NULL, path)) < 0)
		goto out;
	if (mkdir(path, 0755) == -1) {
		log_warn("hv", "sim: mkdir %s", path);
		rc = reloc__errno_to_err(errno);
		goto out;
	}
	if ((rc = reloc__sim_dom_write(sim, dom)) < 0)
		reloc__sim_remove(sim, dom->domid);
out:
	reloc__sim_unlock(lock);
	return rc;
}

/*
 * Remove a domain's directory (its files are flat).  The domain is gone
 * on return; the pages of its memory file go back to the file system in
 * the background (the file held open across its unlink, then closed
 * later), as Xen scrubs a dead domain's memory after destroying it.
 */
void
reloc__sim_remove(const struct sim *sim, uint32_t domid)
{
	char		 path[SIM_PATH_LEN];
	DIR		*d;
	struct dirent	*de;
	int		 dfd, mem;

	if (reloc__sim_path(sim, domid, NULL, path) < 0 ||
	    (d = opendir(path)) == NULL)
		return;
	dfd = dirfd(d);
	mem = openat(dfd, "memory", O_RDONLY | O_CLOEXEC);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    unlinkat(dfd, de->d_name, 0) == -1)
			log_warn("hv", "sim: unlink %s/%s", path, de->d_name);
	}
	closedir(d);
	if (rmdir(path) == -1)
		log_warn("hv", "sim: rmdir %s", path);
	reloc__sim_close_later(mem);
}

/* The dirty rate from the domain's sim config: (sim (dirty-rate-mb N)). */
unsigned
reloc__sim_dirty_rate(const struct reloc_domain *dom)
{
	struct reloc_sxp	*top = NULL;
	const char		*v;
	unsigned long		 rate = 0;

	if (dom->config == NULL || dom->config_len == 0 ||
	    reloc_sxp_read_mem("sim config", dom->config, dom->config_len,
	    &top) < 0)
		return 0;
	v = reloc_sxp_value(reloc_sxp_nth(top, 0), "dirty-rate-mb");
	if (v != NULL)
		rate = strtoul(v, NULL, 10);
	reloc_sxp_free(top);
	return rate > 100000 ? 100000 : (unsigned)rate;
}

/* Rename under the lock; the new name must be free. */
int
reloc__sim_rename(const struct sim *sim, uint32_t domid, const char *name)
{
	struct reloc_domain	 dom = { 0 };
	char			*copy = NULL;
	uint32_t		 other;
	int			 lock = -1, rc;

	if ((rc = reloc__sim_lock(sim, &lock)) < 0)
		return rc;
	if (find_name(sim, name, domid, &other) == 0) {
		log_warnx("hv", "sim: cannot rename domain %" PRIu32 " to %s: "
		    "domain %" PRIu32 " has that name", domid, name, other);
		rc = RELOC_ERR_EXIST;
		goto out;
	}
	if ((rc = reloc__sim_dom_read(sim, domid, &dom)) < 0)
		goto out;
	if ((copy = strdup(name)) == NULL) {
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	free(dom.name);
	dom.name = copy;
	rc = reloc__sim_dom_write(sim, &dom);
out:
	reloc_domain_dispose(&dom);
	reloc__sim_unlock(lock);
	return rc;
}
