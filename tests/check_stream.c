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
 * Check suite for the framed pump (stream_frame.c, stream_lane.c): a
 * source pump and a target pump joined by N socketpairs (the lanes) move
 * a stream byte for byte with every codec; frames arriving out of order
 * on different lanes are put back in order; a gap, a duplicate or a lane
 * that closes midway fail the pump, with every thread ended.
 */

#include <sys/socket.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

#define STREAM_LEN	(5 * 1024 * 1024 + 123)

struct feed {
	int		 fd;
	const uint8_t	*buf;
	size_t		 len;
	uint8_t		*got;		/* sink: what was read */
	size_t		 got_len;
};

static uint8_t *
stream_data(size_t len)
{
	uint8_t		*buf = malloc(len);
	uint64_t	 x = 88172645463325252ull;
	size_t		 i;

	ck_assert_ptr_nonnull(buf);
	/* A third zero, a third text, a third random, in 64 KiB runs. */
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (i / 65536 % 3) {
		case 0:
			buf[i] = 0;
			break;
		case 1:
			buf[i] = (uint8_t)("lorem ipsum dolor sit\n"[i % 22]);
			break;
		default:
			buf[i] = (uint8_t)x;
		}
	}
	return buf;
}

/* The backend saving: writes the stream, then its end. */
static void *
feed_main(void *arg)
{
	struct feed	*fd = arg;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < fd->len && (n = write(fd->fd, fd->buf + off,
	    fd->len - off > 100000 ? 100000 : fd->len - off)) > 0)
		off += (size_t)n;
	shutdown(fd->fd, SHUT_WR);
	return NULL;
}

/* The backend restoring: reads until the end. */
static void *
sink_main(void *arg)
{
	struct feed	*fd = arg;
	ssize_t		 n;

	fd->got = malloc(STREAM_LEN + 1024 * 1024);
	while ((n = read(fd->fd, fd->got + fd->got_len,
	    STREAM_LEN + 1024 * 1024 - fd->got_len)) > 0)
		fd->got_len += (size_t)n;
	return NULL;
}

struct pair {
	int			src[2], dst[2];
	int			lane[RELOC_LANES_MAX][2];
	struct reloc__lane	slanes[RELOC_LANES_MAX];
	struct reloc__lane	dlanes[RELOC_LANES_MAX];
	size_t			n;
};

static void
pair_open(struct pair *p, size_t n)
{
	size_t	i;

	p->n = n;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p->src), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p->dst), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0,
		    p->lane[i]), 0);
		p->slanes[i].fd = p->lane[i][0];
		p->slanes[i].tls = NULL;
		p->dlanes[i].fd = p->lane[i][1];
		p->dlanes[i].tls = NULL;
	}
}

static void
pair_close(struct pair *p)
{
	size_t	i;

	close(p->src[0]);
	close(p->src[1]);
	close(p->dst[0]);
	close(p->dst[1]);
	for (i = 0; i < p->n; i++) {
		close(p->lane[i][0]);
		close(p->lane[i][1]);
	}
}

/* Move the stream through n lanes with codec; the target pump's rc. */
static int
move(size_t n, enum reloc_codec codec, unsigned rate,
    struct reloc__pump_stats *st)
{
	struct reloc__pump_opts	 so = {
		.codec = codec, .rate_mbps = rate, .timeout_ms = 60000,
		.codecs = 1u << RELOC_CODEC_LZ4 | 1u << RELOC_CODEC_ZSTD,
	};
	struct reloc__pump_opts	 to = { .end_to = true, .timeout_ms = 60000 };
	struct reloc__pump	*sp, *tp;
	struct pair		 p;
	uint8_t			*data = stream_data(STREAM_LEN);
	struct feed		 in = { .buf = data, .len = STREAM_LEN };
	struct feed		 out = { 0 };
	pthread_t		 ti, to_;
	int			 rc;

	pair_open(&p, n);
	in.fd = p.src[0];
	out.fd = p.dst[1];
	ck_assert_int_eq(reloc__pump_start_framed(p.src[1], p.slanes, n, true,
	    &so, &sp), 0);
	ck_assert_int_eq(reloc__pump_start_framed(p.dst[0], p.dlanes, n,
	    false, &to, &tp), 0);
	pthread_create(&ti, NULL, feed_main, &in);
	pthread_create(&to_, NULL, sink_main, &out);
	pthread_join(ti, NULL);
	ck_assert_int_eq(reloc__pump_finish_stats(sp, st), 0);
	pthread_join(to_, NULL);
	rc = reloc__pump_finish(tp, NULL);
	ck_assert_uint_eq(st->raw, STREAM_LEN);
	ck_assert_uint_eq(out.got_len, STREAM_LEN);
	ck_assert(memcmp(out.got, data, STREAM_LEN) == 0);
	pair_close(&p);
	free(out.got);
	free(data);
	return rc;
}

static const enum reloc_codec all_codecs[] = {
	RELOC_CODEC_NONE, RELOC_CODEC_LZ4, RELOC_CODEC_ZSTD, RELOC_CODEC_AUTO,
};
static const size_t all_lanes[] = { 1, 2, 4 };

START_TEST(test_move)
{
	struct reloc__pump_stats	st;
	enum reloc_codec		codec = all_codecs[_i % 4];

	ck_assert_int_eq(move(all_lanes[_i / 4], codec, 0, &st), 0);
	/*
	 * A third of the stream is zero, a third text: it must shrink.  AUTO
	 * may send it as it is on a fast link: its choice is not checked.
	 */
	if (codec == RELOC_CODEC_NONE)
		ck_assert_uint_gt(st.wire, st.raw);
	else if (codec != RELOC_CODEC_AUTO)
		ck_assert_uint_lt(st.wire, st.raw * 2 / 3);
}
END_TEST

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The cap is on the sum of the lanes: 4 lanes at 10 MB/s take >= 0.4 s. */
START_TEST(test_rate_sum)
{
	struct reloc__pump_stats	st;
	uint64_t			t0 = now_ms();

	ck_assert_int_eq(move(4, RELOC_CODEC_NONE, 10, &st), 0);
	ck_assert_uint_ge(now_ms() - t0, st.wire / 10000 * 8 / 10);
}
END_TEST

/* Write frame seq (64 KiB of random bytes, or END when end) on fd. */
static void
put_frame(int fd, uint64_t seq, bool end)
{
	uint8_t			 raw[65536];
	struct reloc__codec	*c;
	enum reloc_codec	 used;
	uint8_t			*buf = malloc(reloc__frame_bound(sizeof(raw)));
	size_t			 len = RELOC_FRAME_HDR, off = 0;
	ssize_t			 n;

	memset(raw, (int)(seq & 0xff), sizeof(raw));
	raw[0] = (uint8_t)(seq >> 8);
	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	if (end)
		reloc__frame_end(seq, buf);
	else
		reloc__frame_encode(c, RELOC_CODEC_NONE, seq, raw, sizeof(raw),
		    buf, &len, &used);
	while (off < len && (n = write(fd, buf + off, len - off)) > 0)
		off += (size_t)n;
	reloc__codec_free(c);
	free(buf);
}

struct script {
	int		fd;
	uint64_t	from, to;	/* data frames [from, to) */
	uint64_t	end;		/* END's count, or UINT64_MAX: close */
	volatile int	written;
};

static void *
script_main(void *arg)
{
	struct script	*s = arg;
	uint64_t	 i;

	for (i = s->from; i < s->to; i++) {
		put_frame(s->fd, i, false);
		__atomic_add_fetch(&s->written, 1, __ATOMIC_SEQ_CST);
	}
	if (s->end != UINT64_MAX)
		put_frame(s->fd, s->end, true);
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

static bool
written(void *arg)
{
	struct script	*s = arg;

	return __atomic_load_n(&s->written, __ATOMIC_SEQ_CST) >= 3;
}

/*
 * A target pump over 2 lanes: lane 1 sends chunks 1..39 (more than the
 * window), and only once it has sent some does lane 0 send chunk 0:
 * the target stalls lane 1, then writes all 40 in order.
 */
START_TEST(test_out_of_order)
{
	struct reloc__pump_opts	 to = { .end_to = true, .timeout_ms = 60000 };
	struct reloc__pump	*tp;
	struct pair		 p;
	struct script		 s1 = { .from = 1, .to = 40, .end = 40 };
	struct feed		 out = { 0 };
	pthread_t		 t1, ts;
	size_t			 i;

	pair_open(&p, 2);
	s1.fd = p.lane[1][0];
	out.fd = p.dst[1];
	ck_assert_int_eq(reloc__pump_start_framed(p.dst[0], p.dlanes, 2,
	    false, &to, &tp), 0);
	pthread_create(&ts, NULL, sink_main, &out);
	pthread_create(&t1, NULL, script_main, &s1);
	ck_assert(wait_until(written, &s1, WAIT_MS));
	put_frame(p.lane[0][0], 0, false);
	put_frame(p.lane[0][0], 40, true);
	pthread_join(t1, NULL);
	pthread_join(ts, NULL);
	ck_assert_int_eq(reloc__pump_finish(tp, NULL), 0);
	ck_assert_uint_eq(out.got_len, 40 * 65536);
	for (i = 0; i < 40; i++)
		ck_assert_uint_eq(out.got[i * 65536 + 1], i);
	free(out.got);
	pair_close(&p);
}
END_TEST

/* Lane scripts that must fail the target pump with want, and the line. */
static void
target_fails(struct script *s, size_t n, int want, const char *line)
{
	struct reloc__pump_opts	 to = {
		.end_to = true, .timeout_ms = 60000, .peer = "10.0.0.2:8002",
	};
	struct reloc__pump	*tp;
	struct pair		 p;
	struct feed		 out = { 0 };
	pthread_t		 t[4], ts;
	size_t			 i;

	capture_start();
	pair_open(&p, n);
	out.fd = p.dst[1];
	ck_assert_int_eq(reloc__pump_start_framed(p.dst[0], p.dlanes, n,
	    false, &to, &tp), 0);
	pthread_create(&ts, NULL, sink_main, &out);
	for (i = 0; i < n; i++) {
		s[i].fd = p.lane[i][0];
		pthread_create(&t[i], NULL, script_main, &s[i]);
	}
	/* The backend sees the end of its stream; every thread ends. */
	pthread_join(ts, NULL);
	ck_assert_int_eq(reloc__pump_finish(tp, NULL), want);
	for (i = 0; i < n; i++) {
		/* A script blocked on a full lane gets EPIPE once closed. */
		close(p.lane[i][1]);
		pthread_join(t[i], NULL);
	}
	ck_assert_msg(capture_has(line), "no \"%s\" in:\n%s", line,
	    capture_text());
	capture_stop();
	free(out.got);
	p.n = 0;
	for (i = 0; i < n; i++)
		close(p.lane[i][0]);
	pair_close(&p);
}

START_TEST(test_gap)
{
	struct script	s[2] = {
		{ .from = 0, .to = 1, .end = 3 },
		{ .from = 2, .to = 3, .end = 3 },
	};

	target_fails(s, 2, RELOC_ERR_PROTO, "corrupt compressed stream from "
	    "10.0.0.2:8002: chunk 1 missing");
}
END_TEST

START_TEST(test_duplicate)
{
	struct script	s[2] = {
		{ .from = 0, .to = 2, .end = 2 },
		{ .from = 1, .to = 2, .end = 2 },
	};

	target_fails(s, 2, RELOC_ERR_PROTO, "chunk 1 from 10.0.0.2:8002: "
	    "sent twice");
}
END_TEST

START_TEST(test_after_end)
{
	struct script	s[1] = { { .from = 0, .to = 3, .end = 2 } };

	target_fails(s, 1, RELOC_ERR_PROTO, "lane 0 ends at chunk 2");
}
END_TEST

START_TEST(test_ends_differ)
{
	struct script	s[2] = {
		{ .from = 0, .to = 1, .end = 1 },
		{ .from = 1, .to = 1, .end = 2 },
	};

	target_fails(s, 2, RELOC_ERR_PROTO, "not where the others do");
}
END_TEST

/* A lane that closes before its END: the target fails, nothing hangs. */
START_TEST(test_target_lane_closed)
{
	struct script	s[4] = {
		{ .from = 0, .to = 10, .end = 10 },
		{ .from = 10, .to = 10, .end = UINT64_MAX },
		{ .from = 10, .to = 10, .end = 10 },
		{ .from = 10, .to = 10, .end = 10 },
	};

	target_fails(s, 4, RELOC_ERR_CLOSED, "stream lane 1 from "
	    "10.0.0.2:8002: connection closed before the end of the stream");
}
END_TEST

/* The target closes a lane midway: the source pump fails, threads end. */
START_TEST(test_source_lane_closed)
{
	struct reloc__pump_opts	 so = {
		.codec = RELOC_CODEC_LZ4, .timeout_ms = 60000,
	};
	struct reloc__pump	*sp;
	struct pair		 p;
	uint8_t			*data = stream_data(STREAM_LEN);
	struct feed		 in = { .buf = data, .len = STREAM_LEN };
	pthread_t		 ti;
	uint8_t			 buf[4096];
	size_t			 i;

	pair_open(&p, 2);
	in.fd = p.src[0];
	ck_assert_int_eq(reloc__pump_start_framed(p.src[1], p.slanes, 2, true,
	    &so, &sp), 0);
	pthread_create(&ti, NULL, feed_main, &in);
	/* Lane 1 reads a little, then closes; lane 0 is never read. */
	ck_assert_int_gt(read(p.lane[1][1], buf, sizeof(buf)), 0);
	close(p.lane[1][1]);
	ck_assert_int_lt(reloc__pump_finish(sp, NULL), 0);
	pthread_join(ti, NULL);
	for (i = 0; i < 2; i++)
		close(p.lane[i][0]);
	close(p.lane[0][1]);
	close(p.src[0]);
	close(p.src[1]);
	close(p.dst[0]);
	close(p.dst[1]);
	free(data);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("stream");
	TCase	*tc = tcase_create("stream");
	SRunner	*sr;
	int	 failed;

	if (getenv("CHECK_STREAM_LOG") == NULL)
		log_silence();
	/* A lane closed under a writer: EPIPE, as in the daemon. */
	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_move, 0, 12);
	tcase_add_test(tc, test_rate_sum);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_gap);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_after_end);
	tcase_add_test(tc, test_ends_differ);
	tcase_add_test(tc, test_target_lane_closed);
	tcase_add_test(tc, test_source_lane_closed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
