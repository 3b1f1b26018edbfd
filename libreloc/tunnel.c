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
 * Automatic L2 tunnels (xrelocd-auto-tunnel): when the l2 precheck fails
 * only because the source is on another subnet, the target brings its end
 * of a tunnel to the source up for the domain's bridges, then lets the
 * migration go on.
 */

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"

#define TUNNEL_TIMEOUT_S	30

/* Run SCRIPT up PEER --bridge BRIDGE; 0 when it exits 0 in time. */
static int
tunnel_up(const char *script, const char *peer, const char *bridge)
{
	char *const	 argv[] = { (char *)script, "up", (char *)peer,
			    "--bridge", (char *)bridge, NULL };
	pid_t		 pid;
	int		 status, i, fd;

	if ((pid = fork()) == -1) {
		log_warn("tunnel", "fork");
		return RELOC_ERR_IO;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		execv(script, argv);
		_exit(127);
	}
	for (i = 0; i < TUNNEL_TIMEOUT_S * 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (i == TUNNEL_TIMEOUT_S * 10) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		log_warnx("tunnel", "%s up %s --bridge %s: no answer in %ds",
		    script, peer, bridge, TUNNEL_TIMEOUT_S);
		return RELOC_ERR_TIMEOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("tunnel", "%s up %s --bridge %s failed (exit %d)",
		    script, peer, bridge, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
		return RELOC_ERR_IO;
	}
	return 0;
}

/* The only blocking findings are the l2 subnet ones a tunnel cures. */
static bool
only_subnet_errors(const struct reloc_verdict *v)
{
	const struct reloc_finding	*f;
	size_t				 i, n = 0;

	for (i = 0; i < v->nr_findings; i++) {
		f = &v->findings[i];
		if (f->severity != RELOC_SEV_ERROR || f->forced)
			continue;
		if (strcmp(f->code, "L2_SUBNET_DIFFERS") != 0 &&
		    strcmp(f->code, "L2_IP_OUTSIDE") != 0)
			return false;
		n++;
	}
	return n > 0;
}

static bool
seen_before(const struct reloc_domain *dom, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp(dom->vifs[j].bridge, dom->vifs[i].bridge) == 0)
			return true;
	return false;
}

void
reloc__tunnel_cures(struct reloc_verdict *v)
{
	size_t	i;

	for (i = 0; i < v->nr_findings; i++)
		if (strncmp(v->findings[i].code, "L2_SUBNET", 9) == 0 ||
		    strcmp(v->findings[i].code, "L2_IP_OUTSIDE") == 0)
			v->findings[i].forced = true;
}

int
reloc__tunnel_auto(const char *script, const char *peer,
    const struct reloc_domain *dom, struct reloc_verdict *v)
{
	size_t	i;
	int	rc;

	if (script == NULL || *script == '\0' || !only_subnet_errors(v))
		return 0;
	for (i = 0; i < dom->nr_vifs; i++) {
		if (dom->vifs[i].bridge == NULL || seen_before(dom, i))
			continue;
		if ((rc = tunnel_up(script, peer, dom->vifs[i].bridge)) < 0)
			return rc;
		log_warnx("tunnel", "%s: l2 tunnel to %s brought up on %s "
		    "(xrelocd-auto-tunnel)", dom->name, peer,
		    dom->vifs[i].bridge);
		rc = reloc_verdict_add(v, RELOC_SEV_WARNING, "l2",
		    "L2_TUNNEL_UP", "bring the tunnel down when no domain "
		    "needs it: xrelocd-tunnel down PEER --bridge BRIDGE",
		    "%s: the target brought up an L2 tunnel to %s on bridge %s",
		    dom->name, peer, dom->vifs[i].bridge);
		if (rc < 0)
			return rc;
	}
	reloc__tunnel_cures(v);
	return 1;
}
