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
 * Error codes: their text, and the mappings from errno and from
 * getaddrinfo's codes.
 */

#include <errno.h>
#include <netdb.h>

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
	case RELOC_ERR_REFUSED:
		return "connection refused";
	case RELOC_ERR_UNREACHABLE:
		return "host or network unreachable";
	case RELOC_ERR_NONAME:
		return "host name not resolved";
	case RELOC_ERR_BUSY:
		return "busy, retry later";
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
	case ECONNREFUSED:
		return RELOC_ERR_REFUSED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return RELOC_ERR_UNREACHABLE;
	default:
		return RELOC_ERR_IO;
	}
}

int
reloc__gai_to_err(int gai, int e)
{
	switch (gai) {
	case 0:
		return RELOC_OK;
	case EAI_NONAME:
	case EAI_AGAIN:
	case EAI_FAIL:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return RELOC_ERR_NONAME;
	case EAI_SERVICE:
		return RELOC_ERR_INVAL;
	case EAI_MEMORY:
		return RELOC_ERR_NOMEM;
	case EAI_SYSTEM:
		return reloc__errno_to_err(e);
	default:
		return RELOC_ERR_IO;
	}
}
