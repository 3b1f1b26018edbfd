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
 * Private to record.c and record_sxp.c: the one table that describes
 * struct reloc_record, from which its S-expression and XML-RPC forms are
 * both made, so that each key is spelt once.
 */

#ifndef RECORD_INT_H
#define RECORD_INT_H

#include "reloc-int.h"

enum rec_ftype {
	R_STR,		/* char[aux]; too long is an error */
	R_UUID,		/* char[37]: a uuid, or "" (then not in the sxp) */
	R_ROLE,		/* enum reloc_role: source|target */
	R_UINT,		/* unsigned */
	R_DOMID,	/* uint32_t, absent when RELOC_DOMID_NONE */
	R_U64,		/* uint64_t, 0..INT64_MAX (an i8 in XML-RPC) */
	R_I64,		/* int64_t, 0..INT64_MAX */
	R_BOOL,		/* bool: yes|no, an XML-RPC boolean */
	R_PRIO,		/* bool high: high|standard */
	R_FORCE,	/* char **, count at aux: (force a b ...) */
	R_STATE,	/* enum reloc_mstate by reloc_mstate_name */
	R_OUTCOME,	/* int: -1, 0, 1, 3 */
	R_PHASE,	/* enum reloc_progress_phase */
	R_DOUBLE,	/* double, finite, >= 0 */
	R_SUB,		/* a struct described by sub, (key (k v) ...) */
	R_VERDICT,	/* struct reloc_verdict: (findings ...) */
	R_STATUS,	/* derived: reloc_record_state_word */
};

/* Flags. */
#define RF_REQUIRED	0x1	/* from_sxp fails without it */
#define RF_XV_ONLY	0x2	/* derived; not in the S-expression */
#define RF_PRESENT	0x4	/* R_SUB: there when the bool at aux is */

/*
 * One member and its key.  For R_STR aux is the array's size, for R_FORCE
 * the offset of its count, for R_SUB with RF_PRESENT the offset of the
 * bool that says whether it is there (summary).
 */
struct rec_field {
	const char		*key;
	enum rec_ftype		 type;
	size_t			 off;
	size_t			 aux;
	const struct rec_field	*sub;
	unsigned		 flags;
};

/* The record's table, ending with a NULL key. */
extern const struct rec_field reloc__record_fields[];
extern const char *const reloc__phase_names[RELOC_PP_DONE + 1];
/* precopy, suspended, done; "?" out of range. */
const char *reloc__phase_name(enum reloc_progress_phase phase);

typedef char	**rec_strv;

#define REC_AT(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))
#define REC_CAT(obj, off, type)	\
	((const type *)(const void *)((const char *)(obj) + (off)))

#endif /* RECORD_INT_H */
