/*
 * labels_zh_hant.h: rfm's own Chinese labels in traditional characters
 * (labels_zh_hant.c).
 */
#ifndef RFM_LABELS_ZH_HANT_H
#define RFM_LABELS_ZH_HANT_H

#include "compat.h"

/*
 * A label in the database's encoding, in traditional characters when it is
 * one of rfm's (else as it is, a copy).  NULL with *untranslatable set when
 * the database's encoding cannot hold the traditional form.
 */
extern char *rfm_zh_hant(const char *label, bool *untranslatable);

/* 22P05 for that case, naming caller and the label (does not return). */
extern void rfm_zh_hant_encoding_error(const char *caller, const char *label);

/* rfm_zh_hant, with that error where it gives NULL. */
extern char *rfm_zh_hant_or_error(const char *label, const char *caller);

#endif							/* RFM_LABELS_ZH_HANT_H */
