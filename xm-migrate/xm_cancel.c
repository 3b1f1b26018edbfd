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
 * xm migrate --cancel JOB: ask xrelocd to stop a migration before GO,
 * then follow the job to its end and say where the domain runs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

bool
xm_cancel_asked(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--cancel") == 0 ||
		    strncmp(argv[i], "--cancel=", 9) == 0)
			return true;
	return false;
}

int
xm_cancel_parse(int argc, char **argv, long *job_r, FILE *err)
{
	const char	*arg = NULL;
	char		*end;
	long		 v;

	if (argc == 2 && strncmp(argv[1], "--cancel=", 9) == 0)
		arg = argv[1] + 9;
	else if (argc == 3 && strcmp(argv[1], "--cancel") == 0)
		arg = argv[2];
	if (arg == NULL) {
		fprintf(err, "xm migrate: --cancel takes a job number and "
		    "nothing else: xm migrate --cancel JOB (see 'xm jobs')\n");
		return XM_EXIT_USAGE;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < 1 ||
	    v > 2147483647L) {
		fprintf(err, "xm migrate: --cancel: '%s' is not a job number "
		    "(see 'xm jobs')\n", arg);
		return XM_EXIT_USAGE;
	}
	*job_r = v;
	return 0;
}

static bool
status_final(const struct reloc_xv *st)
{
	int64_t	outcome;

	return (reloc_xv_member_int(st, "outcome", &outcome) == 0 &&
	    outcome != -1) || xm_status_resolving(st);
}

/* Follow job until it ends, from ST (ours from now on). */
static int
wait_end(struct xm *xm, int64_t job, struct reloc_xv **st)
{
	int64_t		 args[3] = { job, -1, XM_WAIT_S };
	struct reloc_xv	*next;
	int		 rc;

	while (!status_final(*st)) {
		if (reloc_xv_member_int(*st, "version", &args[1]) < 0)
			args[1] = -1;
		if ((rc = xm_rpc_call_ints(xm, "xrelocd.job.wait", args, 3,
		    &next)) != 0)
			return rc;
		reloc_xv_free(*st);
		*st = next;
	}
	return 0;
}

static const char *
member_str(const struct reloc_xv *st, const char *name)
{
	const char	*s = reloc_xv_member_string(st, name);

	return s != NULL ? s : "?";
}

int
xm_cancel(struct xm *xm, int argc, char **argv)
{
	struct reloc_xv	*st = NULL;
	int64_t		 arg;
	long		 job;
	char		 msg[1200];
	int		 rc;

	if ((rc = xm_cancel_parse(argc, argv, &job, xm->err)) != 0) {
		xm_usage(xm->err);
		return rc;
	}
	arg = job;
	if ((rc = xm_rpc_call_ints(xm, "xrelocd.job.cancel", &arg, 1,
	    &st)) != 0)
		return rc;
	fprintf(xm->out, "job %ld: cancelling the migration of %s to %s\n",
	    job, member_str(st, "domain"), member_str(st, "peer"));
	if ((rc = wait_end(xm, job, &st)) != 0) {
		fprintf(xm->err, "xm migrate: lost track of job %ld; see 'xm "
		    "jobs'\n", job);
		return rc;
	}
	snprintf(msg, sizeof(msg), "%s", member_str(st, "message"));
	xm_fmt_vis(msg, sizeof(msg));
	rc = xm_status_exit(st);
	if (rc == XM_EXIT_FAILED) {
		fprintf(xm->out, "job %ld: cancelled: %s runs here as before "
		    "(%s)\n", job, member_str(st, "domain"), msg);
		rc = XM_EXIT_OK;
	} else {
		fprintf(xm->err, "xm migrate: too late to cancel job %ld: %s\n",
		    job, msg);
		rc = rc == XM_EXIT_OK ? XM_EXIT_FAILED : rc;
	}
	reloc_xv_free(st);
	return rc;
}
