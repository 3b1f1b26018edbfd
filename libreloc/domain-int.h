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
 * Private to domain.c and domain_sxp.c: the tables that describe struct
 * reloc_domain and struct reloc_hostinfo field by field, so that writing,
 * reading, copying and releasing them share one description.
 */

#ifndef DOMAIN_INT_H
#define DOMAIN_INT_H

#include "reloc-int.h"

enum dom_ftype {
	F_STR,		/* char *, omitted when NULL */
	F_U32,		/* uint32_t */
	F_UINT,		/* unsigned */
	F_U64,		/* uint64_t */
	F_BOOL,		/* bool, yes/no */
	F_STRV,		/* char **, count at aux: (name a b c) */
	F_UUID,		/* char[37] */
	F_DTYPE,	/* enum reloc_dom_type */
	F_DSTATE,	/* enum reloc_dom_state */
	F_BLOB,		/* char *, length at aux; any bytes */
	F_RECS,		/* array of rec->size, count at aux */
};

struct dom_rec;

/* One member of a struct and its name on the wire. */
struct dom_field {
	const char	*name;
	enum dom_ftype	 type;
	size_t		 off;
	size_t		 aux;
	const struct dom_rec *rec;
	bool		 required;
};

/* An array of records, written (vifs (vif ...) (vif ...)). */
struct dom_rec {
	const char	*item;
	size_t		 size;
	const struct dom_field *fields;
};

typedef char	*str_t;
typedef char	**strv_t;

#define AT(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))
#define CAT(obj, off, type)	\
	((const type *)(const void *)((const char *)(obj) + (off)))

/* Tables ending with a NULL name. */
extern const struct dom_field reloc__domain_fields[];
extern const struct dom_field reloc__host_fields[];
/* Indexed by enum reloc_dom_type and enum reloc_dom_state. */
extern const char *const reloc__dom_type_names[RELOC_DOM_HVM + 1];
extern const char *const reloc__dom_state_names[RELOC_DS_SHUTDOWN + 1];

void	*reloc__dom_get_ptr(const void *obj, size_t off);
void	 reloc__dom_set_ptr(void *obj, size_t off, void *p);
/* *dst = a NUL-terminated copy of len bytes (nothing when src is NULL). */
int	 reloc__dom_copy_bytes(char **dst, const char *src, size_t len);
/* Release what the fields of obj hold; safe to call twice. */
void	 reloc__dom_free_fields(void *obj, const struct dom_field *f);

#endif /* DOMAIN_INT_H */
