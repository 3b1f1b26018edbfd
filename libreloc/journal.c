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
 * The journal of migration records, one file per record (DIR/ID.ROLE),
 * written so that a crash leaves the old record or the new one; and the
 * start time of a process, which tells a live worker from a reused pid.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"

#define MOD		"journal"
#define TMP		".tmp"

/* ---------------------------------------------------------------- files */

/* Log what failed on path with errno's text; the error it maps to. */
static int
sys_fail(const char *what, const char *path)
{
	int	e = errno;

	log_err(MOD, "%s %s", what, path);
	return e == ENOSPC || e == EDQUOT ? RELOC_ERR_NOSPC : RELOC_ERR_IO;
}

static int
rec_path(const char *dir, const char *id, enum reloc_role role,
    const char *suffix, char path[PATH_MAX])
{
	int	n;

	n = snprintf(path, PATH_MAX, "%s/%s.%s%s", dir, id,
	    reloc_role_name(role), suffix);
	if (n < 0 || n >= PATH_MAX) {
		log_errx(MOD, "%s: path too long", dir);
		return RELOC_ERR_INVAL;
	}
	return 0;
}

/* mkdir -p with mode 0700 for what it makes. */
static int
make_dir(const char *dir)
{
	char	 path[PATH_MAX], *p;

	if (strlen(dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(path, dir);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write buf to path (0600) and sync it; on failure path is removed and
 * errno says why.
 */
static int
write_synced(const char *path, const char *buf, size_t len)
{
	const char	*what = "write";
	int		 fd, rc, e;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return sys_fail("open", path);
	if (write_all(fd, buf, len) == 0 && (what = "fsync", fsync(fd)) == 0) {
		what = "close";
		if (close(fd) == 0)
			return 0;
		fd = -1;
	}
	rc = sys_fail(what, path);
	e = errno;
	if (fd != -1)
		close(fd);
	unlink(path);
	errno = e;
	return rc;
}

/* Make a rename or unlink in dir durable. */
static int
sync_dir(const char *dir)
{
	int	fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return sys_fail("open", dir);
	if (fsync(fd) == -1)
		rc = sys_fail("fsync", dir);
	close(fd);
	return rc;
}

int
reloc_journal_check(const char *dir, char *why, size_t len)
{
	char	path[PATH_MAX];
	int	rc;

	if (dir == NULL || *dir == '\0')
		return RELOC_ERR_INVAL;
	if (make_dir(dir) == -1) {
		rc = errno == ENOSPC ? RELOC_ERR_NOSPC : RELOC_ERR_IO;
		snprintf(why, len, "journal %s cannot be made: %s", dir,
		    strerror(errno));
		return rc;
	}
	if (snprintf(path, sizeof(path), "%s/.check%s", dir, TMP) >=
	    (int)sizeof(path)) {
		snprintf(why, len, "journal %s: path too long", dir);
		return RELOC_ERR_INVAL;
	}
	if ((rc = write_synced(path, "check\n", 6)) < 0) {
		snprintf(why, len, "journal %s is not writable: %s", dir,
		    strerror(errno));
		return rc;
	}
	unlink(path);
	return 0;
}

int
reloc_journal_put(const char *dir, const struct reloc_record *r)
{
	struct reloc_sxp	*sxp = NULL;
	char			 path[PATH_MAX], tmp[PATH_MAX], *buf = NULL;
	size_t			 len;
	int			 rc;

	if (dir == NULL || r == NULL || !reloc_domain_uuid_valid(r->id))
		return RELOC_ERR_INVAL;
	if ((rc = rec_path(dir, r->id, r->role, "", path)) < 0 ||
	    (rc = rec_path(dir, r->id, r->role, TMP, tmp)) < 0)
		return rc;
	if ((rc = reloc_record_to_sxp(r, &sxp)) < 0 ||
	    (rc = reloc_sxp_write(sxp, &buf, &len)) < 0)
		goto out;
	/* reloc_sxp_write leaves room for its NUL: the newline takes it. */
	buf[len++] = '\n';
	if ((rc = write_synced(tmp, buf, len)) < 0)
		goto out;
	if (rename(tmp, path) == -1) {
		rc = sys_fail("rename", tmp);
		unlink(tmp);
		goto out;
	}
	rc = sync_dir(dir);
out:
	free(buf);
	reloc_sxp_free(sxp);
	return rc;
}

/* ---------------------------------------------------------------- read */

/*
 * Read path, which must hold the record id.role, into r.  Syntax errors
 * are logged PATH:LINE:COL by the reader, bad values by the record's.
 */
static int
read_record(const char *path, const char *id, enum reloc_role role,
    struct reloc_record *r)
{
	struct reloc_sxp	*root = NULL;
	int			 rc;

	reloc_record_init(r, role);
	if ((rc = reloc_sxp_read_file(path, &root)) < 0)
		return rc == RELOC_ERR_CONFIG ? RELOC_ERR_PROTO : rc;
	if (reloc_sxp_len(root) != 1) {
		log_errx(MOD, "%s:1:1: expected one (migration ...) form, "
		    "found %zu", path, reloc_sxp_len(root));
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	if ((rc = reloc_record_from_sxp(path, reloc_sxp_nth(root, 0), r)) < 0)
		goto out;
	if (strcmp(r->id, id) != 0 || r->role != role) {
		log_errx(MOD, "%s:1:1: holds the record %s.%s, not its own",
		    path, r->id, reloc_role_name(r->role));
		reloc_record_dispose(r);
		rc = RELOC_ERR_PROTO;
	}
out:
	reloc_sxp_free(root);
	return rc;
}

int
reloc_journal_get(const char *dir, const char *id, enum reloc_role role,
    struct reloc_record *r)
{
	char	path[PATH_MAX];
	int	rc;

	if (dir == NULL || id == NULL || r == NULL)
		return RELOC_ERR_INVAL;
	reloc_record_init(r, role);
	if (!reloc_domain_uuid_valid(id))
		return RELOC_ERR_INVAL;
	if ((rc = rec_path(dir, id, role, "", path)) < 0)
		return rc;
	if (access(path, F_OK) == -1)
		return errno == ENOENT ? RELOC_ERR_NOENT :
		    sys_fail("access", path);
	return read_record(path, id, role, r);
}

/* ID.ROLE into its parts; false for any other name. */
static bool
parse_name(const char *name, char id[RELOC_RECORD_ID_LEN],
    enum reloc_role *role_r)
{
	const char	*dot = strrchr(name, '.');
	size_t		 len;

	if (dot == NULL || (len = (size_t)(dot - name)) >= RELOC_RECORD_ID_LEN)
		return false;
	memcpy(id, name, len);
	id[len] = '\0';
	if (!reloc_domain_uuid_valid(id))
		return false;
	if (strcmp(dot + 1, reloc_role_name(RELOC_ROLE_SOURCE)) == 0)
		*role_r = RELOC_ROLE_SOURCE;
	else if (strcmp(dot + 1, reloc_role_name(RELOC_ROLE_TARGET)) == 0)
		*role_r = RELOC_ROLE_TARGET;
	else
		return false;
	return true;
}

static bool
is_tmp(const char *name)
{
	size_t	len = strlen(name);

	return len > strlen(TMP) && strcmp(name + len - strlen(TMP), TMP) == 0;
}

/*
 * A .tmp this old is a write whose writer died: a write takes milliseconds
 * (seconds on a slow disk), and the daemon lists the journal while its
 * workers write theirs.
 */
#define TMP_STALE_S	60

static bool
tmp_stale(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0 && time(NULL) - st.st_mtime > TMP_STALE_S;
}

static int
by_age(const void *a, const void *b)
{
	const struct reloc_record	*x = a, *y = b;

	if (x->started_s != y->started_s)
		return x->started_s < y->started_s ? -1 : 1;
	if (x->job != y->job)
		return x->job < y->job ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct rec_list {
	struct reloc_record	*recs;
	size_t			 n, cap;
};

static void
list_dispose(struct rec_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		reloc_record_dispose(&l->recs[i]);
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

/* Read one directory entry into l; a bad file is logged and skipped. */
static int
list_entry(const char *dir, const char *name, struct rec_list *l)
{
	struct reloc_record	*p;
	char			 path[PATH_MAX], id[RELOC_RECORD_ID_LEN];
	enum reloc_role		 role;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return 0;
	if (is_tmp(name)) {
		/*
		 * A write that did not finish: the record before it stands.
		 * One younger than TMP_STALE_S may be under way in a worker.
		 */
		if (tmp_stale(path) && unlink(path) == 0)
			log_info(MOD, "%s: removed, an unfinished write", path);
		return 0;
	}
	if (!parse_name(name, id, &role))
		return 0;
	if (l->n == l->cap) {
		if ((p = reallocarray(l->recs, l->cap * 2 + 8,
		    sizeof(*p))) == NULL)
			return RELOC_ERR_NOMEM;
		l->recs = p;
		l->cap = l->cap * 2 + 8;
	}
	if (read_record(path, id, role, &l->recs[l->n]) < 0) {
		log_warnx(MOD, "%s: skipped, it cannot be read: remove it or "
		    "repair it", path);
		return 0;
	}
	l->n++;
	return 0;
}

int
reloc_journal_list(const char *dir, struct reloc_record **recs_r,
    size_t *n_r)
{
	struct rec_list	 l = { NULL, 0, 0 };
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	if (dir == NULL || recs_r == NULL || n_r == NULL)
		return RELOC_ERR_INVAL;
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			return sys_fail("opendir", dir);
		*recs_r = NULL;
		*n_r = 0;
		return 0;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		rc = list_entry(dir, de->d_name, &l);
	closedir(d);
	if (rc < 0) {
		list_dispose(&l);
		return rc;
	}
	if (l.n > 0)
		qsort(l.recs, l.n, sizeof(*l.recs), by_age);
	*recs_r = l.recs;
	*n_r = l.n;
	return 0;
}

int
reloc_journal_trim(const char *dir, size_t keep)
{
	struct rec_list	 l = { NULL, 0, 0 };
	char		 path[PATH_MAX];
	size_t		 i, nfinal = 0, drop;
	int		 rc;

	if ((rc = reloc_journal_list(dir, &l.recs, &l.n)) < 0)
		return rc;
	for (i = 0; i < l.n; i++)
		nfinal += reloc_record_final(&l.recs[i]);
	drop = nfinal > keep ? nfinal - keep : 0;
	/* Oldest first: the first final ones are the ones to go. */
	for (i = 0; i < l.n && drop > 0 && rc == 0; i++) {
		if (!reloc_record_final(&l.recs[i]))
			continue;
		drop--;
		if ((rc = rec_path(dir, l.recs[i].id, l.recs[i].role, "",
		    path)) == 0 && unlink(path) == -1 && errno != ENOENT)
			rc = sys_fail("unlink", path);
	}
	list_dispose(&l);
	return rc;
}

/* ---------------------------------------------------------------- processes */

/*
 * The state letter (field 3) and start time (field 22) of /proc/PID/stat.
 * The command name (field 2) may hold spaces and parentheses: the fields
 * after it start after the last ')'.
 */
static int
proc_stat(pid_t pid, char *state_r, uint64_t *start_r)
{
	char		 path[64], buf[4096], *p, *end;
	ssize_t		 n;
	unsigned	 field;
	int		 fd;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	*state_r = p[2];
	/* p + 2 is field 3; step over the spaces before 4, 5, ... 22. */
	for (p += 2, field = 3; field < 22; field++)
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		else
			p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*start_r = strtoull(p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

uint64_t
reloc_pid_start(pid_t pid)
{
	uint64_t	start;
	char		state;
	int		saved = errno;

	if (proc_stat(pid, &state, &start) == -1)
		start = 0;
	errno = saved;
	return start;
}

bool
reloc_pid_alive(pid_t pid, uint64_t start)
{
	uint64_t	now;
	char		state;
	int		saved = errno;
	bool		ok;

	/* A zombie has ended: only its parent's wait is left. */
	ok = start != 0 && proc_stat(pid, &state, &now) == 0 &&
	    now == start && state != 'Z' && state != 'X' && state != 'x';
	errno = saved;
	return ok;
}
