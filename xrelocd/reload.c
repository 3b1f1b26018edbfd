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
 * SIGHUP: everything the new configuration needs that can fail (parsing,
 * the allow-list, the pid file, the control socket, the relocation
 * listeners) is prepared while the running configuration still serves,
 * then swapped in at once.  If any step fails, what was opened is closed
 * and nothing changes.
 *
 * Parsing runs in the event loop, and so does regcomp of the allow-list:
 * that stays short because allow_regex.c admits only patterns whose
 * compile cost is bounded by their (bounded) size, so neither a reload
 * nor xrelocd -n can hang on a pattern (xend-config.sxp(5), HOSTS ALLOW).
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "xrelocd.h"
#include "log.h"

/* A configuration being prepared, and what it opened so far. */
struct reload {
	struct reloc_conf	*conf;
	struct listen_set	 reloc;
	bool			 new_reloc;	/* swap reloc in */
	struct evconnlistener	*ctl_lis;	/* NULL: keep the running one */
	bool			 new_pid;	/* wrote the new pid file */
	struct reloc_tls_ctx	*tls_ctx;	/* built from conf, or NULL */
};

/* The backend and its state are opened once, at start-up. */
static const enum reloc_conf_key restart_keys[] = {
	RELOC_CK_BACKEND,
	RELOC_CK_SIM_DIR,
	RELOC_CK_STATE_DIR,
};

static bool
str_changed(const struct reloc_conf *a, const struct reloc_conf *b,
    enum reloc_conf_key key)
{
	return strcmp(reloc_conf_str(a, key), reloc_conf_str(b, key)) != 0;
}

static int
check_restart_keys(const struct xrelocd *x, const struct reload *r,
    struct xrelocd_why *why)
{
	enum reloc_conf_key	key;
	size_t			i;

	for (i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
		key = restart_keys[i];
		if (!str_changed(x->conf, r->conf, key))
			continue;
		xrelocd_why_set(why, 0, "%s cannot change while xrelocd runs "
		    "('%s' to '%s'): restart xrelocd to change it",
		    reloc_conf_key_name(key), reloc_conf_str(x->conf, key),
		    reloc_conf_str(r->conf, key));
		return -1;
	}
	return 0;
}

static int
prepare_pidfile(const struct xrelocd *x, struct reload *r,
    struct xrelocd_why *why)
{
	const char	*path = reloc_conf_str(r->conf, RELOC_CK_PID_FILE);

	if (!str_changed(x->conf, r->conf, RELOC_CK_PID_FILE))
		return 0;
	if (xrelocd_pidfile_write(path, why) < 0)
		return -1;
	r->new_pid = *path != '\0';
	return 0;
}

static int
prepare_control(struct xrelocd *x, struct reload *r, struct xrelocd_why *why)
{
	if (!str_changed(x->conf, r->conf, RELOC_CK_CONTROL_SOCKET))
		return 0;
	return control_open(x, reloc_conf_str(r->conf,
	    RELOC_CK_CONTROL_SOCKET), &r->ctl_lis, why);
}

/*
 * The new address overlaps a running one on the same port (a wildcard and
 * one of its addresses): it binds only once the old socket is closed.
 * Close, bind, and if that fails bind the running address again.
 */
static int
listen_in_place(struct xrelocd *x, struct reload *r, struct xrelocd_why *why)
{
	struct xrelocd_why	again;

	log_info("xrelocd", "reload: %s: closing the running listener to "
	    "bind the new address", why->msg);
	listen_close(&x->reloc);
	if (listen_open(x, r->conf, &r->reloc, why) == 0) {
		r->new_reloc = true;
		return 0;
	}
	if (listen_open(x, x->conf, &x->reloc, &again) < 0)
		log_errx("xrelocd", "reload: %s; the relocation listener is "
		    "stopped: fix the configuration and send SIGHUP again",
		    again.msg);
	return -1;
}

/* Last of the steps: once the listeners are swapped, nothing can fail. */
static int
prepare_listen(struct xrelocd *x, struct reload *r, struct xrelocd_why *why)
{
	/* Rebinding the same port would fail: keep the running sockets. */
	if (listen_same(x->conf, r->conf) && x->reloc.nr > 0)
		return 0;
	if (listen_open(x, r->conf, &r->reloc, why) == 0) {
		r->new_reloc = true;
		return 0;
	}
	if (why->err != EADDRINUSE || x->reloc.nr == 0 ||
	    reloc_conf_int(x->conf, RELOC_CK_RELOCATION_PORT) !=
	    reloc_conf_int(r->conf, RELOC_CK_RELOCATION_PORT))
		return -1;
	return listen_in_place(x, r, why);
}

static void
reload_abort(struct reload *r)
{
	reloc_tls_ctx_free(r->tls_ctx);
	listen_close(&r->reloc);
	if (r->ctl_lis != NULL) {
		evconnlistener_free(r->ctl_lis);
		unlink(reloc_conf_str(r->conf, RELOC_CK_CONTROL_SOCKET));
	}
	if (r->new_pid)
		unlink(reloc_conf_str(r->conf, RELOC_CK_PID_FILE));
	reloc_conf_free(r->conf);
}

/* Everything is ready: swap it in, then let go of the old. */
static void
reload_commit(struct xrelocd *x, struct reload *r)
{
	const char	*old_pid = reloc_conf_str(x->conf, RELOC_CK_PID_FILE);

	if (r->new_reloc)
		listen_replace(x, &r->reloc);
	if (r->ctl_lis != NULL)
		control_swap(x, r->ctl_lis);
	if (str_changed(x->conf, r->conf, RELOC_CK_PID_FILE) &&
	    *old_pid != '\0')
		unlink(old_pid);
	/*
	 * Workers hold their own copy since fork(), and each handshake
	 * under way holds a reference: it finishes with the old context,
	 * freed after it; connections accepted from now on get the new.
	 */
	reloc_tls_ctx_free(x->tls_ctx);
	x->tls_ctx = r->tls_ctx;
	reloc_conf_free(x->conf);
	x->conf = r->conf;
	xrelocd_log_level(x, x->conf);
	log_info("xrelocd", "reloaded %s", x->conf_path);
	if (r->new_reloc)
		listen_announce(x);
	if (r->ctl_lis != NULL)
		log_info("control", "control socket %s",
		    reloc_conf_str(x->conf, RELOC_CK_CONTROL_SOCKET));
}

void
reload(struct xrelocd *x)
{
	struct reload		r;
	struct xrelocd_why	why;

	/* Stopping: the listener stays closed, whatever the file says. */
	if (x->stopping) {
		log_warnx("xrelocd", "reload: stopping, SIGHUP ignored");
		return;
	}
	log_info("xrelocd", "reloading %s", x->conf_path);
	memset(&r, 0, sizeof(r));
	if (reloc_conf_load(x->conf_path, &r.conf) < 0) {
		log_warnx("xrelocd", "reload: %s has errors (logged above); "
		    "keeping the running configuration", x->conf_path);
		return;
	}
	if (check_restart_keys(x, &r, &why) < 0 ||
	    tlsctx_build(r.conf, x->conf_path, &r.tls_ctx, &why) < 0 ||
	    prepare_pidfile(x, &r, &why) < 0 ||
	    prepare_control(x, &r, &why) < 0 ||
	    prepare_listen(x, &r, &why) < 0) {
		log_warnx("xrelocd", "reload: %s; keeping the running "
		    "configuration", why.msg);
		reload_abort(&r);
		return;
	}
	reload_commit(x, &r);
}
