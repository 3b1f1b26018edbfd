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
 * What xm prints, as pure functions on job status values: sizes, rates,
 * the progress line, findings, the final summary and JSON for scripts.
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xm.h"

void
xm_fmt_vis(char *buf, size_t size)
{
	char	raw[2048];

	snprintf(raw, sizeof(raw), "%s", buf);
	reloc_log_vis(buf, size, raw);
}

void
xm_fault_print(FILE *f, const char *msg)
{
	char	line[2048];

	reloc_log_vis(line, sizeof(line), msg);
	fprintf(f, "Error: %s\n", line);
}

/* Three significant digits, like "1.07 GiB", "18.3 MiB", "512 KiB". */
void
xm_fmt_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double	v = (double)bytes;
	size_t	u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (v >= 100)
		snprintf(buf, size, "%.0f %s", v, units[u]);
	else if (v >= 10)
		snprintf(buf, size, "%.1f %s", v, units[u]);
	else
		snprintf(buf, size, "%.2f %s", v, units[u]);
}

/* Decimal megabytes per second, the unit of xm migrate -r. */
void
xm_fmt_rate(uint64_t bps, char *buf, size_t size)
{
	snprintf(buf, size, "%.1f MB/s", (double)bps / 1e6);
}

void
xm_fmt_ms(double ms, char *buf, size_t size)
{
	if (ms >= 1000)
		snprintf(buf, size, "%.1f s", ms / 1000);
	else
		snprintf(buf, size, "%.0f ms", ms);
}

static int64_t
member_i(const struct reloc_xv *st, const char *name)
{
	int64_t	v;

	return reloc_xv_member_int(st, name, &v) == 0 ? v : 0;
}

static const char *
member_s(const struct reloc_xv *st, const char *name)
{
	const char	*s = reloc_xv_member_string(st, name);

	return s != NULL ? s : "?";
}

/*
 * ", downtime ~12 ms of 300, throttle 40%": the prediction pre-copy goes
 * by, against the budget, appended to buf.
 */
static void
fmt_budget(const struct reloc_xv *status, const struct reloc_xv *p,
    char *buf, size_t size)
{
	int64_t	 us = member_i(p, "predicted-downtime-us");
	int64_t	 thr = member_i(p, "throttle-percent");
	int64_t	 budget = member_i(status, "max-downtime-ms");
	size_t	 n = strlen(buf);

	if (us > 0 && n < size)
		n += (size_t)snprintf(buf + n, size - n, ", downtime ~%.0f ms",
		    (double)us / 1000);
	if (us > 0 && budget > 0 && n < size)
		n += (size_t)snprintf(buf + n, size - n, " of %" PRId64,
		    budget);
	if (thr > 0 && n < size)
		snprintf(buf + n, size - n, ", throttle %" PRId64 "%%", thr);
}

void
xm_fmt_progress(const struct reloc_xv *status, char *buf, size_t size)
{
	const struct reloc_xv	*p = reloc_xv_member(status, "progress");
	const char		*state = member_s(status, "status");
	const char		*phase;
	char			 rate[32], dirty[32];
	double			 mib = 1024 * 1024, sent, total, left;

	if (p == NULL || strcmp(state, "streaming") != 0) {
		snprintf(buf, size, "%s -> %s: %s", member_s(status, "domain"),
		    member_s(status, "peer"), state);
		xm_fmt_vis(buf, size);
		return;
	}
	phase = member_s(p, "phase");
	sent = (double)member_i(p, "sent-bytes") / mib;
	total = (double)member_i(p, "total-bytes") / mib;
	left = (double)member_i(p, "remaining-bytes") / mib;
	xm_fmt_rate((uint64_t)member_i(p, "rate-bytes-per-s"), rate,
	    sizeof(rate));
	xm_fmt_rate((uint64_t)member_i(p, "dirty-bytes-per-s"), dirty,
	    sizeof(dirty));
	snprintf(buf, size, "%s -> %s: %s round %" PRId64 ", sent %.1f/%.1f "
	    "MiB, %.1f MiB left, %s, dirtying %s",
	    member_s(status, "domain"), member_s(status, "peer"),
	    strcmp(phase, "suspended") == 0 ? "stop-and-copy" : phase,
	    member_i(p, "round"), sent, total, left, rate, dirty);
	fmt_budget(status, p, buf, size);
	xm_fmt_vis(buf, size);
}

void
xm_fmt_finding(const struct reloc_xv *f, char *buf, size_t size)
{
	const char	*fix = reloc_xv_member_string(f, "fix");
	bool		 forced = false;
	size_t		 len;

	(void)reloc_xv_member_bool(f, "forced", &forced);
	snprintf(buf, size, "%s%s: %s: %s [%s]",
	    member_s(f, "severity"), forced ? " (forced)" : "",
	    member_s(f, "check"), member_s(f, "message"), member_s(f, "code"));
	xm_fmt_vis(buf, size);
	if (fix == NULL || *fix == '\0')
		return;
	len = strlen(buf);
	snprintf(buf + len, size - len, "\n    fix: ");
	len = strlen(buf);
	reloc_log_vis(buf + len, size - len, fix);
}

/*
 * ", 212 MiB on the wire (zstd)" when the stream was compressed; "; NOTE"
 * when compression was asked but not taken.
 */
static void
fmt_wire(const struct reloc_xv *sm, char *buf, size_t size)
{
	const char	*codec = reloc_xv_member_string(sm, "codec");
	const char	*note = reloc_xv_member_string(sm, "note");
	char		 wire[32];

	if (codec != NULL && *codec != '\0' && strcmp(codec, "none") != 0) {
		xm_fmt_bytes((uint64_t)member_i(sm, "wire-bytes"), wire,
		    sizeof(wire));
		snprintf(buf, size, ", %s on the wire (%s)", wire, codec);
	} else if (note != NULL && *note != '\0')
		snprintf(buf, size, "; %s", note);
}

/*
 * ", over 4 streams"; ", over 1 stream (hostB takes no more)" when the
 * target granted fewer than asked; "" for the one stream asked.
 */
static void
fmt_streams(const struct reloc_xv *status, const struct reloc_xv *sm,
    char *buf, size_t size)
{
	int64_t	n = member_i(sm, "streams"), asked = member_i(sm,
		    "streams-asked");

	*buf = '\0';
	if (n > 1 && asked <= n)
		snprintf(buf, size, ", over %" PRId64 " streams", n);
	else if (asked > 1 && n >= 1)
		snprintf(buf, size, ", over %" PRId64 " stream%s (%s takes "
		    "no more)", n, n == 1 ? "" : "s",
		    member_s(status, "peer"));
}

/* "web01 moved to hostB: total 4.2 s, downtime 18 ms, 1.07 GiB ..." */
static void
fmt_moved(const struct reloc_xv *status, const struct reloc_xv *sm,
    char *buf, size_t size)
{
	char	total[32], down[32], bytes[32], ratio[48] = "", wire[200] = "";
	char	lanes[96];
	double	dt = 0;
	int64_t	mem = member_i(sm, "memory-bytes");

	(void)reloc_xv_member_double(sm, "downtime-ms", &dt);
	xm_fmt_ms((double)member_i(sm, "total-ms"), total, sizeof(total));
	xm_fmt_ms(dt, down, sizeof(down));
	xm_fmt_bytes((uint64_t)member_i(sm, "stream-bytes"), bytes,
	    sizeof(bytes));
	if (mem > 0)
		snprintf(ratio, sizeof(ratio), " (%.2f x memory)",
		    (double)member_i(sm, "stream-bytes") / (double)mem);
	fmt_streams(status, sm, lanes, sizeof(lanes));
	fmt_wire(sm, wire, sizeof(wire));
	snprintf(buf, size, "%s moved to %s: total %s, downtime %s, %s sent "
	    "in %" PRId64 " round%s%s%s%s", member_s(status, "domain"),
	    member_s(status, "peer"), total, down, bytes,
	    member_i(sm, "rounds"), member_i(sm, "rounds") == 1 ? "" : "s",
	    ratio, lanes, wire);
}

/* The reason says already where the domain is (a recovery's does). */
static bool
said_before(const char *msg)
{
	return strstr(msg, " here as before") != NULL;
}

void
xm_fmt_summary(const struct reloc_xv *status, char *buf, size_t size)
{
	const struct reloc_xv	*sm = reloc_xv_member(status, "summary");
	const char		*dom = member_s(status, "domain");
	const char		*host = member_s(status, "peer");
	const char		*msg = member_s(status, "message");
	bool			 check = false, paused = false;
	int			 n;

	(void)reloc_xv_member_bool(status, "check", &check);
	(void)reloc_xv_member_bool(status, "was-paused", &paused);
	switch (xm_status_exit(status)) {
	case XM_EXIT_OK:
		if (check)
			snprintf(buf, size, "%s can move to %s: the prechecks "
			    "passed", dom, host);
		else if (sm != NULL)
			fmt_moved(status, sm, buf, size);
		else
			snprintf(buf, size, "%s moved to %s", dom, host);
		break;
	case XM_EXIT_UNKNOWN:
		snprintf(buf, size, "%s: the final handshake with %s broke: "
		    "%s", dom, host, msg);
		break;
	default:
		n = snprintf(buf, size, "%s %s %s: %s", dom, check ?
		    "cannot move to" : "did not move to", host, msg);
		if (!said_before(msg) && n >= 0 && (size_t)n < size)
			snprintf(buf + n, size - (size_t)n, "; it %s here as "
			    "before", paused ? "is paused" : "runs");
		break;
	}
	xm_fmt_vis(buf, size);
}

bool
xm_status_resolving(const struct reloc_xv *status)
{
	const char	*word = reloc_xv_member_string(status, "status");

	return word != NULL && strcmp(word, "resolving") == 0 &&
	    member_i(status, "queries") >= RELOC_RECORD_QUERIES_TOLD;
}

int
xm_status_exit(const struct reloc_xv *status)
{
	int64_t	code;

	if (xm_status_resolving(status))
		return XM_EXIT_UNKNOWN;
	if (reloc_xv_member_int(status, "outcome", &code) < 0)
		return XM_EXIT_FAILED;
	if (code == XM_EXIT_OK || code == XM_EXIT_UNKNOWN)
		return (int)code;
	return XM_EXIT_FAILED;
}

static void
json_string(FILE *f, const char *s)
{
	const unsigned char	*p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void
json_value(FILE *f, const struct reloc_xv *v, int indent)
{
	const struct reloc_xv	*child;
	const char		*name;
	enum reloc_xv_type	 type = reloc_xv_type(v);
	size_t			 i, n = reloc_xv_len(v);
	int64_t			 iv;
	double			 d;
	bool			 b;

	switch (type) {
	case RELOC_XV_INT:
	case RELOC_XV_I8:
		(void)reloc_xv_get_int(v, &iv);
		fprintf(f, "%" PRId64, iv);
		return;
	case RELOC_XV_BOOL:
		(void)reloc_xv_get_bool(v, &b);
		fputs(b ? "true" : "false", f);
		return;
	case RELOC_XV_DOUBLE:
		(void)reloc_xv_get_double(v, &d);
		if (isfinite(d))
			fprintf(f, "%.15g", d);
		else
			fputs("null", f);
		return;
	case RELOC_XV_STRING:
	case RELOC_XV_BASE64:
	case RELOC_XV_DATETIME:
		json_string(f, reloc_xv_get_text(v));
		return;
	case RELOC_XV_NIL:
		fputs("null", f);
		return;
	case RELOC_XV_ARRAY:
	case RELOC_XV_STRUCT:
		break;
	}
	fputc(type == RELOC_XV_ARRAY ? '[' : '{', f);
	for (i = 0; i < n; i++) {
		child = reloc_xv_nth(v, i, &name);
		fprintf(f, "%s\n%*s", i > 0 ? "," : "", (indent + 1) * 2, "");
		if (type == RELOC_XV_STRUCT) {
			json_string(f, name);
			fputs(": ", f);
		}
		json_value(f, child, indent + 1);
	}
	if (n > 0)
		fprintf(f, "\n%*s", indent * 2, "");
	fputc(type == RELOC_XV_ARRAY ? ']' : '}', f);
}

void
xm_json_write(FILE *f, const struct reloc_xv *v)
{
	json_value(f, v, 0);
	fputc('\n', f);
}
