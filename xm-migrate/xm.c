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
 * The xm command: global options, the subcommand table and usage.  Each
 * subcommand talks to the local xrelocd over its control socket.
 */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xm.h"

struct xm_cmd {
	const char	*name;
	int		(*fn)(struct xm *, int, char **);
	const char	*usage;
};

static int	cmd_help(struct xm *, int, char **);

/* The usage lines match the SYNOPSIS of xm(1). */
static const struct xm_cmd cmds[] = {
	{ "migrate", xm_migrate, "[-S socket] migrate [-l | --live] "
	    "[-p port | --port=port]\n"
	    "\t[-n node | --node=node] [-s | --ssl] "
	    "[-c | --change_home_server]\n"
	    "\t[-r MB/s | --rate=MB/s] [-z [codec] | --compress[=codec]]\n"
	    "\t[--streams=N] [--max-downtime=ms] [--timeout=s]\n"
	    "\t[--check] [--force check ...] [--json]\n"
	    "\t[--priority high | standard] domain host" },
	{ "migrate", xm_migrate, "[-S socket] migrate --cancel job" },
	{ "evacuate", xm_evacuate, "[-S socket] evacuate --to host[:port] "
	    "... [--max N] [-l | --live]\n"
	    "\t[-p port | --port=port] [-s | --ssl] [--check]\n"
	    "\t[--priority high | standard]" },
	{ "list", xm_list, "[-S socket] list [domain ...]" },
	{ "jobs", xm_jobs, "[-S socket] jobs" },
	{ "recover", xm_recover, "[-S socket] recover domain" },
	{ "help", cmd_help, "help" },
};

void
xm_usage(FILE *f)
{
	size_t	i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "%s xm %s\n", i == 0 ? "usage:" : "      ",
		    cmds[i].usage);
}

static int
cmd_help(struct xm *xm, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	xm_usage(xm->out);
	return XM_EXIT_OK;
}

/* libreloc's messages, for a command-line tool: "xm: message". */
static void
xm_log_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	(void)module;
	(void)arg;
	if (level <= RELOC_LOG_WARN)
		fprintf(stderr, "xm: %s\n", msg);
}

int
xm_main(int argc, char **argv)
{
	struct xm	 xm;
	const char	*env;
	size_t		 i;
	int		 c;

	memset(&xm, 0, sizeof(xm));
	xm.out = stdout;
	xm.err = stderr;
	xm.tty = isatty(STDOUT_FILENO);
	env = getenv("XRELOCD_SOCKET");
	xm.socket = env != NULL && *env != '\0' ? env : XM_DEFAULT_SOCKET;
	reloc_log_set_sink(xm_log_sink, NULL);
	/* '+': stop at the command, whose options are its own. */
	optind = 0;
	while ((c = getopt(argc, argv, "+S:h")) != -1) {
		switch (c) {
		case 'S':
			xm.socket = optarg;
			break;
		case 'h':
			xm_usage(stdout);
			return XM_EXIT_OK;
		default:
			xm_usage(stderr);
			return XM_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		xm_usage(stderr);
		return XM_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			return cmds[i].fn(&xm, argc - optind, argv + optind);
	fprintf(stderr, "xm: unknown command '%s'\n", argv[optind]);
	xm_usage(stderr);
	return XM_EXIT_USAGE;
}
