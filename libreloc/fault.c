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
 * Fault injection for the tests of the failure rules: a migration worker
 * asks at each named point whether the environment armed a fault there.
 */

#include <sys/socket.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

struct fault {
	char			 point[32];
	int			 pct;	/* -1: a point without percentage */
	enum reloc_fault_action	 action;
};

static struct fault	faults[8];
static size_t		nr_faults;
static bool		parsed;

static enum reloc_fault_action
action_parse(const char *s)
{
	if (strcmp(s, "kill") == 0)
		return RELOC_FA_KILL;
	if (strcmp(s, "cut") == 0)
		return RELOC_FA_CUT;
	if (strcmp(s, "corrupt") == 0)
		return RELOC_FA_CORRUPT;
	if (strcmp(s, "stall") == 0)
		return RELOC_FA_STALL;
	if (strcmp(s, "wait") == 0)
		return RELOC_FA_WAIT;
	if (strcmp(s, "omit") == 0)
		return RELOC_FA_OMIT;
	return RELOC_FA_NONE;
}

static void
parse_one(char *item)
{
	struct fault	*f;
	char		*colon, *at;

	if ((colon = strchr(item, ':')) == NULL || nr_faults == 8) {
		log_warnx("fault", "XRELOCD_FAULT: ignoring '%s'", item);
		return;
	}
	*colon = '\0';
	f = &faults[nr_faults];
	f->pct = -1;
	if ((at = strchr(item, '@')) != NULL) {
		*at = '\0';
		f->pct = atoi(at + 1);
	}
	f->action = action_parse(colon + 1);
	if (f->action == RELOC_FA_NONE || strlen(item) >= sizeof(f->point)) {
		log_warnx("fault", "XRELOCD_FAULT: bad fault '%s:%s'", item,
		    colon + 1);
		return;
	}
	strcpy(f->point, item);
	nr_faults++;
}

static void
parse(void)
{
	const char	*env;
	char		*copy, *item, *save;

	if (parsed)
		return;
	parsed = true;
	if ((env = getenv("XRELOCD_FAULT")) == NULL || *env == '\0')
		return;
	if ((copy = strdup(env)) == NULL)
		return;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		parse_one(item);
	free(copy);
}

enum reloc_fault_action
reloc__fault_at(const char *point)
{
	size_t	i;

	parse();
	for (i = 0; i < nr_faults; i++)
		if (faults[i].pct < 0 && strcmp(faults[i].point, point) == 0)
			return faults[i].action;
	return RELOC_FA_NONE;
}

bool
reloc__fault_stream_armed(const char *point)
{
	size_t	i;

	parse();
	for (i = 0; i < nr_faults; i++)
		if (faults[i].pct >= 0 && strcmp(faults[i].point, point) == 0)
			return true;
	return false;
}

enum reloc_fault_action
reloc__fault_stream(const char *point, uint64_t done, size_t len,
    uint64_t total, size_t *off_r)
{
	uint64_t	mark;
	size_t		i;

	parse();
	for (i = 0; i < nr_faults; i++) {
		if (faults[i].pct < 0 || strcmp(faults[i].point, point) != 0)
			continue;
		mark = total / 100 * (uint64_t)faults[i].pct;
		if (mark >= done && mark < done + len) {
			*off_r = (size_t)(mark - done);
			return faults[i].action;
		}
	}
	return RELOC_FA_NONE;
}

/*
 * Hold here until the file XRELOCD_FAULT_RELEASE names exists, so that a
 * test can change the host at this exact point of the migration.
 */
static void
fault_wait(const char *point)
{
	const char	*path = getenv("XRELOCD_FAULT_RELEASE");

	if (path == NULL || *path == '\0') {
		log_warnx("fault", "wait at %s: XRELOCD_FAULT_RELEASE is not "
		    "set; not waiting", point);
		return;
	}
	log_warnx("fault", "injected fault at %s: waiting for %s", point,
	    path);
	while (access(path, F_OK) == -1)
		usleep(100000);
	log_warnx("fault", "released at %s", point);
}

void
reloc__fault_fire(enum reloc_fault_action a, const char *point, int fd)
{
	if (a == RELOC_FA_WAIT) {
		fault_wait(point);
		return;
	}
	log_warnx("fault", "injected fault at %s: %s", point,
	    a == RELOC_FA_KILL ? "kill" : a == RELOC_FA_CUT ? "cut" :
	    a == RELOC_FA_STALL ? "stall" : a == RELOC_FA_OMIT ? "omit" :
	    "corrupt");
	switch (a) {
	case RELOC_FA_KILL:
		kill(getpid(), SIGKILL);
		pause();
		break;
	case RELOC_FA_CUT:
		if (fd != -1)
			shutdown(fd, SHUT_RDWR);
		break;
	case RELOC_FA_STALL:
		for (;;)
			pause();
	case RELOC_FA_CORRUPT:
	case RELOC_FA_WAIT:
	case RELOC_FA_OMIT:
	case RELOC_FA_NONE:
		break;
	}
}

enum reloc_fault_action
reloc__fault_point(const char *point, int fd)
{
	enum reloc_fault_action	a = reloc__fault_at(point);

	if (a == RELOC_FA_NONE)
		return a;
	reloc__fault_fire(a, point, fd);
	/* A wait only delays: the step then goes on as if nothing fired. */
	return a == RELOC_FA_WAIT ? RELOC_FA_NONE : a;
}
