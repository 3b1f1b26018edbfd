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
 * Error codes: their text, and the mapping from errno.
 */

#include <errno.h>

#include "reloc-int.h"

const char *
reloc_strerror(int rc)
{
	/* No default case: the compiler names any code left out. */
	switch ((enum reloc_err)rc) {
	case RELOC_OK:
		return "success";
	case RELOC_ERR_NOMEM:
		return "out of memory";
	case RELOC_ERR_INVAL:
		return "invalid argument";
	case RELOC_ERR_IO:
		return "input/output error";
	case RELOC_ERR_PROTO:
		return "protocol error";
	case RELOC_ERR_DENIED:
		return "refused";
	case RELOC_ERR_TIMEOUT:
		return "timed out";
	case RELOC_ERR_HV:
		return "hypervisor error";
	case RELOC_ERR_CONFIG:
		return "invalid configuration";
	case RELOC_ERR_NOENT:
		return "not found";
	case RELOC_ERR_EXIST:
		return "already exists";
	case RELOC_ERR_NOSPC:
		return "not enough memory or space";
	case RELOC_ERR_CLOSED:
		return "connection closed by peer";
	case RELOC_ERR_AGAIN:
		return "incomplete, try again";
	case RELOC_ERR_UNKNOWN_STATE:
		return "handshake broke after commit: owner unknown";
	}
	return "unknown error";
}

int
reloc__errno_to_err(int e)
{
	switch (e) {
	case 0:
		return RELOC_OK;
	case ENOMEM:
		return RELOC_ERR_NOMEM;
	case EINVAL:
		return RELOC_ERR_INVAL;
	case ENOENT:
	case ESRCH:
		return RELOC_ERR_NOENT;
	case EEXIST:
		return RELOC_ERR_EXIST;
	case ENOSPC:
	case EDQUOT:
		return RELOC_ERR_NOSPC;
	case EACCES:
	case EPERM:
		return RELOC_ERR_DENIED;
	case ETIMEDOUT:
		return RELOC_ERR_TIMEOUT;
	case EPIPE:
	case ECONNRESET:
		return RELOC_ERR_CLOSED;
	default:
		return RELOC_ERR_IO;
	}
}
