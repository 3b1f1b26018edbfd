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
 * What the two files of the hv_sim Check suite share.
 */

#ifndef TESTS_CHECK_HV_SIM_H
#define TESTS_CHECK_HV_SIM_H

#include <check.h>

/* check_hv_sim_errors.c: streams that are corrupt, cut or do not fit. */
TCase	*hv_sim_errors_tcase(void);
/* check_hv_sim_zero.c: zero pages, realistic memory. */
TCase	*hv_sim_zero_tcase(void);
/* check_hv_sim_throttle.c: the guest's throttle, the downtime budget. */
TCase	*hv_sim_throttle_tcase(void);

#endif /* TESTS_CHECK_HV_SIM_H */
