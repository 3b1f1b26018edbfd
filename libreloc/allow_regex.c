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
 * Which allow-list patterns regcomp may see.  glibc's regcomp copies the
 * operand of x+ and x{m,n}, and the work it does on a repetition of
 * something that can match the empty string grows with each level of
 * nesting without a useful bound: `(((((()+)+)+)+)+)+` alone runs for
 * minutes.  So a pattern is parsed here first, as POSIX extended
 * syntax, and accepted only with a structure whose compile cost is
 * bounded by its size:
 *   - at most ALLOW_RE_MAX_LEN bytes, ALLOW_RE_MAX_GROUPS groups nested
 *     at most ALLOW_RE_MAX_DEPTH deep;
 *   - a repetition (* + ? {m,n}) applies to a character, a bracket
 *     expression, '.', an escaped character, or a group that cannot
 *     match the empty string and whose own repetitions do not nest
 *     (star height at most 2: [a-z]+(\.[a-z]+)* is fine, ((a+)+)+ not);
 *   - no repetition of a repetition (a++), no back-reference (\1);
 *   - a bound {m,n} has m <= n <= ALLOW_RE_MAX_BOUND, and the pattern
 *     with every bound written out stays under ALLOW_RE_MAX_SIZE atoms.
 * Compiling what passes takes milliseconds, and matching a name of 253
 * bytes against it well under a second.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

#define ALLOW_RE_MAX_LEN	256
#define ALLOW_RE_MAX_GROUPS	32
#define ALLOW_RE_MAX_DEPTH	8
#define ALLOW_RE_MAX_BOUND	64
#define ALLOW_RE_MAX_SIZE	512
#define ALLOW_RE_MAX_HEIGHT	2

/* What a sub-expression is: for the rules above. */
struct re_info {
	bool		nullable;	/* can match the empty string */
	unsigned	height;		/* repetitions nested (star height) */
	unsigned long	size;		/* atoms once bounds are written out */
};

struct re_parse {
	const char	*start;
	const char	*p;
	unsigned	 groups;
	unsigned	 depth;
	const char	*why;		/* set on the first refusal */
	size_t		 at;		/* where, from 0 */
};

static bool
refuse(struct re_parse *rp, const char *at, const char *why)
{
	if (rp->why == NULL) {
		rp->why = why;
		rp->at = (size_t)(at - rp->start);
	}
	return false;
}

/* Past a bracket expression starting at p ('['), or NULL if unclosed. */
static const char *
skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p != '\0' && *p != ']'; p++)
		if (*p == '[' && p[1] != '\0' && strchr(":.=", p[1]) != NULL &&
		    (p = strchr(p + 2, ']')) == NULL)
			return NULL;
	return *p == ']' ? p + 1 : NULL;
}

static bool
is_quant(const char *p)
{
	return *p == '*' || *p == '+' || *p == '?' || *p == '{';
}

/* One decimal number of at most 3 digits (ALLOW_RE_MAX_BOUND fits). */
static bool
bound_number(const char **pp, unsigned long *n_r)
{
	const char	*p = *pp;
	unsigned long	 n = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		if (p - *pp >= 3)
			return false;
		n = n * 10 + (unsigned long)(*p++ - '0');
	}
	*pp = p;
	*n_r = n;
	return true;
}

/*
 * {m}, {m,}, {m,n} or {,n} at rp->p: the copies of its operand that it
 * makes ({m,} makes m and a star), or 0 when it is refused.
 */
static unsigned long
parse_bound(struct re_parse *rp, bool *nullable_r)
{
	const char	*open = rp->p, *p = rp->p + 1;
	unsigned long	 m = 0, n;
	bool		 has_m, open_end = false;

	has_m = bound_number(&p, &m);
	n = m;
	if (*p == ',') {
		p++;
		if (*p == '}')
			open_end = has_m;
		else
			has_m = bound_number(&p, &n);
	}
	if (!has_m || *p != '}') {
		refuse(rp, open, "a '{' that is not a bound {m,n}: write \\{ "
		    "for a brace");
		return 0;
	}
	if (m > ALLOW_RE_MAX_BOUND || n > ALLOW_RE_MAX_BOUND) {
		refuse(rp, open, "a bound {m,n} over 64: write a shorter "
		    "repetition");
		return 0;
	}
	if (!open_end && m > n) {
		refuse(rp, open, "a bound {m,n} with m over n");
		return 0;
	}
	rp->p = p + 1;
	*nullable_r = m == 0;
	if (open_end)
		n = m + 1;
	return n > 0 ? n : 1;
}

/* The repetitions after an atom: at most one, and not of everything. */
static bool
parse_quant(struct re_parse *rp, struct re_info *atom)
{
	const char	*q = rp->p;
	unsigned long	 copies = 1;
	bool		 nullable = true;

	if (!is_quant(q))
		return true;
	if (atom->nullable)
		return refuse(rp, q, "a repetition of something that can "
		    "match nothing (an empty group, an anchor, x? or x*)");
	if (atom->height >= ALLOW_RE_MAX_HEIGHT)
		return refuse(rp, q, "repetitions nested more than 2 deep: "
		    "write it with fewer levels");
	if (*q == '{') {
		if ((copies = parse_bound(rp, &nullable)) == 0)
			return false;
	} else {
		copies = *q == '+' ? 2 : 1;
		nullable = *q != '+';
		rp->p++;
	}
	if (is_quant(rp->p))
		return refuse(rp, rp->p, "a repetition of a repetition");
	atom->size = atom->size * copies + 1;
	atom->nullable = nullable;
	atom->height++;
	return true;
}

static bool	parse_alt(struct re_parse *, struct re_info *);

static bool
parse_group(struct re_parse *rp, struct re_info *atom)
{
	const char	*open = rp->p;

	if (++rp->groups > ALLOW_RE_MAX_GROUPS)
		return refuse(rp, open, "more than 32 groups");
	if (++rp->depth > ALLOW_RE_MAX_DEPTH)
		return refuse(rp, open, "groups nested more than 8 deep");
	rp->p++;
	if (!parse_alt(rp, atom))
		return false;
	if (*rp->p != ')')
		return refuse(rp, open, "an unclosed '('");
	rp->p++;
	rp->depth--;
	return true;
}

/* An escaped character: a literal, a GNU anchor, or a back-reference. */
static bool
parse_escape(struct re_parse *rp, struct re_info *atom)
{
	char	c = rp->p[1];

	if (c == '\0')
		return refuse(rp, rp->p, "a trailing backslash");
	if (isdigit((unsigned char)c))
		return refuse(rp, rp->p, "a back-reference");
	atom->nullable = strchr("bB<>`'", c) != NULL;
	rp->p += 2;
	return true;
}

static bool
parse_atom(struct re_parse *rp, struct re_info *atom)
{
	const char	*end;

	memset(atom, 0, sizeof(*atom));
	atom->size = 1;
	switch (*rp->p) {
	case '(':
		return parse_group(rp, atom);
	case '\\':
		return parse_escape(rp, atom);
	case '[':
		if ((end = skip_bracket(rp->p)) == NULL)
			return refuse(rp, rp->p, "an unclosed '['");
		rp->p = end;
		return true;
	case '^':
	case '$':
		atom->nullable = true;
		rp->p++;
		return true;
	case ')':
		return refuse(rp, rp->p, "an unmatched ')'");
	default:
		if (is_quant(rp->p))
			return refuse(rp, rp->p, "a repetition of nothing");
		rp->p++;
		return true;
	}
}

/* A sequence of atoms, each with its repetition, up to '|' or ')'. */
static bool
parse_seq(struct re_parse *rp, struct re_info *seq)
{
	struct re_info	atom;

	seq->nullable = true;
	seq->height = 0;
	seq->size = 0;
	while (*rp->p != '\0' && *rp->p != '|' &&
	    !(*rp->p == ')' && rp->depth > 0)) {
		if (!parse_atom(rp, &atom) || !parse_quant(rp, &atom))
			return false;
		seq->nullable = seq->nullable && atom.nullable;
		if (atom.height > seq->height)
			seq->height = atom.height;
		seq->size += atom.size;
		if (seq->size > ALLOW_RE_MAX_SIZE)
			return refuse(rp, rp->p, "too large once its bounds "
			    "are written out: use fewer or smaller {m,n}");
	}
	return true;
}

static bool
parse_alt(struct re_parse *rp, struct re_info *alt)
{
	struct re_info	seq;

	if (!parse_seq(rp, alt))
		return false;
	while (*rp->p == '|') {
		rp->p++;
		if (!parse_seq(rp, &seq))
			return false;
		alt->nullable = alt->nullable || seq.nullable;
		if (seq.height > alt->height)
			alt->height = seq.height;
		alt->size += seq.size + 1;
		if (alt->size > ALLOW_RE_MAX_SIZE)
			return refuse(rp, rp->p, "too large once its bounds "
			    "are written out: use fewer or smaller {m,n}");
	}
	return true;
}

const char *
reloc__allow_regex_check(const char *re, size_t *at_r)
{
	struct re_parse	rp;
	struct re_info	all;

	memset(&rp, 0, sizeof(rp));
	rp.start = rp.p = re;
	if (strlen(re) > ALLOW_RE_MAX_LEN) {
		rp.why = "longer than 256 bytes";
		rp.at = ALLOW_RE_MAX_LEN;
	} else if (parse_alt(&rp, &all) && *rp.p != '\0')
		refuse(&rp, rp.p, "an unmatched ')'");
	if (rp.why != NULL && at_r != NULL)
		*at_r = rp.at;
	return rp.why;
}
