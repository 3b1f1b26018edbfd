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
 * xm list, xm jobs and xm recover: the daemon's view of this host's
 * domains and migrations, printed the way xm printed them.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

/* xm's six state columns: running, blocked, paused, shutdown... */
const char *
xm_state_flags(const char *state)
{
	static const struct {
		const char	*name;
		const char	*flags;
	} map[] = {
		{ "running",	"r-----" },
		{ "blocked",	"-b----" },
		{ "paused",	"--p---" },
		{ "suspended",	"---s--" },
		{ "shutdown",	"---s--" },
		{ "crashed",	"----c-" },
		{ "dying",	"-----d" },
	};
	size_t	i;

	for (i = 0; state != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(state, map[i].name) == 0)
			return map[i].flags;
	return "------";
}

/* True when dom (a name or a domid) names the domain st. */
static bool
dom_matches(const struct reloc_xv *st, const char *dom)
{
	const char	*name = reloc_xv_member_string(st, "name");
	char		*end;
	int64_t		 id;
	long		 want;

	if (name != NULL && strcmp(name, dom) == 0)
		return true;
	want = strtol(dom, &end, 10);
	return *dom != '\0' && *end == '\0' &&
	    reloc_xv_member_int(st, "domid", &id) == 0 && id == want;
}

static void
list_row(FILE *f, const struct reloc_xv *st)
{
	const char	*name = reloc_xv_member_string(st, "name");
	char		 row[1024];
	int64_t		 id = -1, mem = 0, vcpus = 0;

	(void)reloc_xv_member_int(st, "domid", &id);
	(void)reloc_xv_member_int(st, "memory_mb", &mem);
	(void)reloc_xv_member_int(st, "vcpus", &vcpus);
	snprintf(row, sizeof(row), "%-40s %5" PRId64 " %5" PRId64 " %5" PRId64
	    " %10s %9.1f", name != NULL ? name : "?", id, mem, vcpus,
	    xm_state_flags(reloc_xv_member_string(st, "state")), 0.0);
	xm_fmt_vis(row, sizeof(row));
	fprintf(f, "%s\n", row);
}

int
xm_list(struct xm *xm, int argc, char **argv)
{
	struct reloc_xv	*doms = NULL, *st;
	size_t		 i, n;
	int		 a, rc, found;

	if ((rc = xm_rpc_call(xm, "xrelocd.domain.list", NULL, &doms)) != 0)
		return rc;
	fprintf(xm->out, "%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem",
	    "VCPUs", "State", "Time(s)");
	n = reloc_xv_len(doms);
	for (i = 0; i < n; i++) {
		st = reloc_xv_nth(doms, i, NULL);
		for (a = 1; a < argc && !dom_matches(st, argv[a]); a++)
			continue;
		if (argc == 1 || a < argc)
			list_row(xm->out, st);
	}
	/* Like xm: naming a domain that does not exist is an error. */
	for (a = 1; a < argc; a++) {
		for (i = 0, found = 0; i < n && !found; i++)
			found = dom_matches(reloc_xv_nth(doms, i, NULL),
			    argv[a]);
		if (!found) {
			fprintf(xm->err, "Error: the domain '%s' does not "
			    "exist.\n", argv[a]);
			rc = XM_EXIT_FAILED;
		}
	}
	reloc_xv_free(doms);
	return rc;
}

static const char *
str(const struct reloc_xv *st, const char *name)
{
	const char	*s = reloc_xv_member_string(st, name);

	return s != NULL ? s : "?";
}

static const char *
job_kind(const struct reloc_xv *st)
{
	bool	live = false, check = false;

	(void)reloc_xv_member_bool(st, "live", &live);
	(void)reloc_xv_member_bool(st, "check", &check);
	return check ? "check" : live ? "live" : "offline";
}

int
xm_jobs(struct xm *xm, int argc, char **argv)
{
	struct reloc_xv	*jobs = NULL, *st;
	const char	*msg;
	char		 row[2048];
	int64_t		 id, code;
	size_t		 i;
	int		 rc;

	(void)argv;
	if (argc > 1) {
		fprintf(xm->err, "xm jobs: takes no arguments\n");
		xm_usage(xm->err);
		return XM_EXIT_USAGE;
	}
	if ((rc = xm_rpc_call(xm, "xrelocd.job.list", NULL, &jobs)) != 0)
		return rc;
	fprintf(xm->out, "%5s %-4s %-20s %-20s %-7s %-11s %4s  %s\n", "Job",
	    "Dir", "Domain", "Peer", "Kind", "State", "Exit", "Message");
	for (i = 0; i < reloc_xv_len(jobs); i++) {
		st = reloc_xv_nth(jobs, i, NULL);
		id = code = -1;
		(void)reloc_xv_member_int(st, "job", &id);
		(void)reloc_xv_member_int(st, "outcome", &code);
		msg = reloc_xv_member_string(st, "message");
		snprintf(row, sizeof(row), "%5" PRId64 " %-4s %-20s %-20s %-7s "
		    "%-11s %4s  %s", id, strcmp(str(st, "role"), "target") ==
		    0 ? "in" : "out", str(st, "domain"), str(st, "peer"),
		    job_kind(st), str(st, "status"),
		    code == -1 ? "-" : code == 0 ? "0" : code == 3 ? "3" : "1",
		    msg != NULL ? msg : "");
		/* One row per job, whatever its domain's name holds. */
		xm_fmt_vis(row, sizeof(row));
		fprintf(xm->out, "%s\n", row);
	}
	reloc_xv_free(jobs);
	return 0;
}

int
xm_recover(struct xm *xm, int argc, char **argv)
{
	struct reloc_xv	*params = NULL, *name, *res = NULL;
	int		 rc;

	bool		 force = argc == 3 && (strcmp(argv[1], "-f") == 0 ||
			    strcmp(argv[1], "--force") == 0);
	const char	*dom = argv[argc - 1];

	if (argc != 2 && !force) {
		fprintf(xm->err, "xm recover: expected [--force] DOMAIN\n");
		xm_usage(xm->err);
		return XM_EXIT_USAGE;
	}
	if (reloc_xv_new_array(&params) < 0 ||
	    reloc_xv_new_string(dom, &name) < 0 ||
	    reloc_xv_array_append(params, name) < 0 ||
	    reloc_xv_new_bool(force, &name) < 0 ||
	    reloc_xv_array_append(params, name) < 0) {
		reloc_xv_free(params);
		return XM_EXIT_FAILED;
	}
	rc = xm_rpc_call(xm, "xrelocd.domain.recover", params, &res);
	if (rc == 0)
		fprintf(xm->out, "%s runs here again\n", dom);
	reloc_xv_free(params);
	reloc_xv_free(res);
	return rc;
}
