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
 * xrelocd-sim: the admin command of the sim backend.  Creates simulated
 * domains and shows or changes their state, so that a sim host can be
 * set up and inspected like a Xen host with xl.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

#define SIM_DIR_DEFAULT	"/var/lib/xrelocd/sim"

struct cmd {
	const char	*name;
	int		 (*fn)(void *sim, int argc, char **argv);
	bool		 needs_dom;
};

static const struct reloc_hv_ops *ops = &reloc__hv_sim_ops;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: xrelocd-sim [-v] [-d dir] create name [--memory MB] "
	    "[--vcpus N]\n"
	    "           [--type pv|pvh|hvm] [--dirty-rate MB/s] "
	    "[--vif mac=M,bridge=B,ip=A]\n"
	    "           [--disk vdev=V,path=P[,size=BYTES][,cdrom]] "
	    "[--pci BDF]\n"
	    "           [--usb ID[,migratable]] [--paused] "
	    "[--fill random|zero|realistic]\n"
	    "       xrelocd-sim [-v] [-d dir] list | host\n"
	    "       xrelocd-sim [-v] [-d dir] info | counter | checksum | "
	    "pause | unpause |\n"
	    "           destroy domain\n");
	exit(2);
}

static bool
parse_uint(const char *s, unsigned long max, unsigned long *v_r)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max)
		return false;
	*v_r = v;
	return true;
}

static void *
grow(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n, size)) == NULL) {
		perror("xrelocd-sim");
		exit(1);
	}
	memset((char *)p + (n - 1) * size, 0, size);
	return p;
}

static char *
xstrdup(const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL) {
		perror("xrelocd-sim");
		exit(1);
	}
	return d;
}

/* Split "k=v,k=v,flag" in place, calling fn for each item. */
static bool
each_item(char *spec, bool (*fn)(void *, const char *, const char *),
    void *arg)
{
	char	*item, *save = NULL, *eq;

	for (item = strtok_r(spec, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) != NULL)
			*eq++ = '\0';
		if (!fn(arg, item, eq))
			return false;
	}
	return true;
}

static bool
vif_item(void *arg, const char *k, const char *v)
{
	struct reloc_vif	*vif = arg;
	char			**dst;

	if (v == NULL)
		return false;
	if (strcmp(k, "mac") == 0)
		dst = &vif->mac;
	else if (strcmp(k, "bridge") == 0)
		dst = &vif->bridge;
	else if (strcmp(k, "ip") == 0)
		dst = &vif->ip;
	else
		return false;
	free(*dst);
	*dst = xstrdup(v);
	return true;
}

static bool
disk_item(void *arg, const char *k, const char *v)
{
	struct reloc_disk	*disk = arg;
	char			*end;

	if (v == NULL && (strcmp(k, "cdrom") == 0 || strcmp(k, "floppy") == 0))
		disk->removable = true;
	else if (v != NULL && strcmp(k, "vdev") == 0)
		disk->vdev = xstrdup(v);
	else if (v != NULL && strcmp(k, "path") == 0)
		disk->path = xstrdup(v);
	else if (v != NULL && strcmp(k, "size") == 0) {
		/* Bytes, as the domain description carries them. */
		errno = 0;
		disk->size = strtoull(v, &end, 10);
		return *v >= '0' && *v <= '9' && *end == '\0' && errno == 0;
	} else
		return false;
	return true;
}

static void
add_passdev(struct reloc_domain *d, const char *kind, char *spec)
{
	struct reloc_passdev	*p;
	char			*comma = strchr(spec, ',');

	if (comma != NULL) {
		if (strcmp(kind, "usb") != 0 || strcmp(comma, ",migratable"))
			usage();
		*comma = '\0';
	}
	d->passdevs = grow(d->passdevs, d->nr_passdevs + 1, sizeof(*p));
	p = &d->passdevs[d->nr_passdevs++];
	p->kind = xstrdup(kind);
	p->id = xstrdup(spec);
	p->migratable = comma != NULL;
}

static bool
parse_type(const char *s, enum reloc_dom_type *t)
{
	if (strcmp(s, "pv") == 0)
		*t = RELOC_DOM_PV;
	else if (strcmp(s, "pvh") == 0)
		*t = RELOC_DOM_PVH;
	else if (strcmp(s, "hvm") == 0)
		*t = RELOC_DOM_HVM;
	else
		return false;
	return true;
}

enum { OPT_MEMORY = 1, OPT_VCPUS, OPT_TYPE, OPT_RATE, OPT_VIF, OPT_DISK,
	OPT_PCI, OPT_USB, OPT_PAUSED, OPT_FILL };

static const struct option create_opts[] = {
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "dirty-rate", required_argument, NULL, OPT_RATE },
	{ "vif", required_argument, NULL, OPT_VIF },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "pci", required_argument, NULL, OPT_PCI },
	{ "usb", required_argument, NULL, OPT_USB },
	{ "paused", no_argument, NULL, OPT_PAUSED },
	{ "fill", required_argument, NULL, OPT_FILL },
	{ NULL, 0, NULL, 0 },
};

/* One create option into d; false on a bad value. */
static bool
create_opt(int c, char *arg, struct reloc_domain *d,
    struct reloc__sim_create_opts *o)
{
	unsigned long	 v;

	switch (c) {
	case OPT_MEMORY:
		if (!parse_uint(arg, 1ul << 22, &v) || v == 0)
			return false;
		d->memory_kb = (uint64_t)v * 1024;
		return true;
	case OPT_VCPUS:
		if (!parse_uint(arg, 512, &v) || v == 0)
			return false;
		d->vcpus = (unsigned)v;
		return true;
	case OPT_TYPE:
		return parse_type(arg, &d->type);
	case OPT_RATE:
		if (!parse_uint(arg, 100000, &v))
			return false;
		o->rate_mb = (unsigned)v;
		return true;
	case OPT_VIF:
		d->vifs = grow(d->vifs, d->nr_vifs + 1, sizeof(*d->vifs));
		return each_item(arg, vif_item, &d->vifs[d->nr_vifs++]);
	case OPT_DISK:
		d->disks = grow(d->disks, d->nr_disks + 1, sizeof(*d->disks));
		return each_item(arg, disk_item, &d->disks[d->nr_disks++]);
	case OPT_PCI:
	case OPT_USB:
		add_passdev(d, c == OPT_PCI ? "pci" : "usb", arg);
		return true;
	case OPT_PAUSED:
		o->paused = true;
		return true;
	case OPT_FILL:
		return reloc__sim_fill_parse(arg, &o->fill);
	default:
		return false;
	}
}

static int
cmd_create(void *sim, int argc, char **argv)
{
	struct reloc_domain	 d = { 0 };
	struct reloc__sim_create_opts o = { 0, false, RELOC_SIM_FILL_RANDOM };
	uint32_t		 domid;
	int			 c, rc;

	d.memory_kb = 256 * 1024;
	d.vcpus = 1;
	d.type = RELOC_DOM_PVH;
	optind = 0;	/* glibc: start over, argv[0] is "create" */
	while ((c = getopt_long(argc, argv, "", create_opts, NULL)) != -1)
		if (!create_opt(c, optarg, &d, &o))
			usage();
	if (argc - optind != 1)
		usage();
	d.name = xstrdup(argv[optind]);
	rc = reloc__sim_create_with(sim, &d, &o, &domid);
	reloc_domain_dispose(&d);
	if (rc < 0) {
		fprintf(stderr, "xrelocd-sim: create: %s\n",
		    reloc_strerror(rc));
		return 1;
	}
	printf("%" PRIu32 "\n", domid);
	return 0;
}

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "xrelocd-sim: %s: %s\n", what, reloc_strerror(rc));
	return 1;
}

/* Print an sxp form on one line. */
static int
print_sxp(struct reloc_sxp *sxp)
{
	char	*text = NULL;
	size_t	 len;
	int	 rc;

	rc = reloc_sxp_write(sxp, &text, &len);
	reloc_sxp_free(sxp);
	if (rc < 0)
		return fail("format", rc);
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
cmd_list(void *sim, int argc, char **argv)
{
	struct reloc_domain	*doms = NULL;
	size_t			 i, n = 0;
	int			 rc;

	(void)argv;
	if (argc != 1)
		usage();
	if ((rc = ops->list(sim, &doms, &n)) < 0)
		return fail("list", rc);
	printf("%-32s %5s %8s %5s %s\n", "Name", "ID", "Mem(MB)", "VCPUs",
	    "State");
	for (i = 0; i < n; i++) {
		printf("%-32s %5" PRIu32 " %8" PRIu64 " %5u %s\n",
		    doms[i].name, doms[i].domid, doms[i].memory_kb / 1024,
		    doms[i].vcpus, reloc_dom_state_name(doms[i].state));
		reloc_domain_dispose(&doms[i]);
	}
	free(doms);
	return 0;
}

static int
cmd_host(void *sim, int argc, char **argv)
{
	struct reloc_hostinfo	 hi = { 0 };
	struct reloc_sxp	*sxp = NULL;
	int			 rc;

	(void)argv;
	if (argc != 1)
		usage();
	if ((rc = ops->host_info(sim, &hi)) < 0)
		return fail("host", rc);
	rc = reloc_hostinfo_to_sxp(&hi, &sxp);
	reloc_hostinfo_dispose(&hi);
	if (rc < 0)
		return fail("host", rc);
	return print_sxp(sxp);
}

static int
cmd_info(void *sim, int argc, char **argv)
{
	struct reloc_domain	 d = { 0 };
	struct reloc_sxp	*sxp = NULL;
	uint64_t		 c;
	int			 rc;

	(void)argc;
	if ((rc = ops->describe(sim, argv[1], &d)) < 0)
		return fail(argv[1], rc);
	if ((rc = reloc_domain_to_sxp(&d, &sxp)) < 0) {
		reloc_domain_dispose(&d);
		return fail(argv[1], rc);
	}
	if (print_sxp(sxp) != 0 ||
	    (rc = reloc__sim_counter(sim, d.domid, &c)) < 0) {
		reloc_domain_dispose(&d);
		return 1;
	}
	printf("state %s\ncounter %" PRIu64 "\n",
	    reloc_dom_state_name(d.state), c);
	reloc_domain_dispose(&d);
	return 0;
}

static int
cmd_counter(void *sim, int argc, char **argv)
{
	uint32_t	 domid;
	uint64_t	 v;
	int		 rc;

	(void)argc;
	if ((rc = reloc__sim_domid(sim, argv[1], &domid)) < 0 ||
	    (rc = reloc__sim_counter(sim, domid, &v)) < 0)
		return fail(argv[1], rc);
	printf("%" PRIu64 "\n", v);
	return 0;
}

static int
cmd_checksum(void *sim, int argc, char **argv)
{
	uint32_t	 domid;
	uint64_t	 v;
	int		 rc;

	(void)argc;
	if ((rc = reloc__sim_domid(sim, argv[1], &domid)) < 0 ||
	    (rc = reloc__sim_checksum(sim, domid, &v)) < 0)
		return fail(argv[1], rc);
	printf("%016" PRIx64 "\n", v);
	return 0;
}

/* pause, unpause, destroy: the op named argv[0]. */
static int
cmd_state(void *sim, int argc, char **argv)
{
	int		 (*fn)(void *, uint32_t);
	uint32_t	 domid;
	int		 rc;

	(void)argc;
	if (strcmp(argv[0], "pause") == 0)
		fn = ops->pause;
	else if (strcmp(argv[0], "unpause") == 0)
		fn = ops->unpause;
	else
		fn = ops->destroy;
	if ((rc = reloc__sim_domid(sim, argv[1], &domid)) < 0 ||
	    (rc = fn(sim, domid)) < 0)
		return fail(argv[1], rc);
	return 0;
}

static const struct cmd cmds[] = {
	{ "create", cmd_create, false },
	{ "list", cmd_list, false },
	{ "host", cmd_host, false },
	{ "info", cmd_info, true },
	{ "counter", cmd_counter, true },
	{ "checksum", cmd_checksum, true },
	{ "pause", cmd_state, true },
	{ "unpause", cmd_state, true },
	{ "destroy", cmd_state, true },
};

int
main(int argc, char *argv[])
{
	const char	*dir = SIM_DIR_DEFAULT;
	const struct cmd *cmd = NULL;
	void		*sim;
	size_t		 i;
	int		 c, rc;

	reloc_log_set_level(RELOC_LOG_WARN);
	while ((c = getopt(argc, argv, "+d:hv")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'v':
			reloc_log_set_level(RELOC_LOG_DEBUG);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; argc > 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			cmd = &cmds[i];
	if (cmd == NULL || (cmd->needs_dom && argc != 2))
		usage();
	if ((rc = reloc__sim_open_dir(dir, &sim)) < 0)
		return fail(dir, rc);
	rc = cmd->fn(sim, argc, argv);
	ops->close(sim);
	return rc;
}
