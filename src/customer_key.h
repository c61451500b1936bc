/*
 * customer_key.h: how rfm.customer_scores and the customer states tell
 * customers apart (customer_key.c).
 *
 * Customers are kept in a hash table keyed by an integer or by a text.
 * That is right only where two keys are equal under the key type's own
 * equality exactly when their texts are equal: integers, numeric and
 * floating-point keys in a canonical text (1.0, 1.00 and 1 are "1"; -0 is
 * "0"), text-like keys with a deterministic collation.  Every other type is
 * grouped by its own equality on the SQL path (or refused where a text key
 * must be stored).  The direct scan (fast_scan.c) and the SQL path
 * (rfm._customer_states_query, through rfm._customer_key_kind) decide with
 * the same function, and print numeric and float keys with the same code.
 */
#ifndef RFM_CUSTOMER_KEY_H
#define RFM_CUSTOMER_KEY_H

#include "compat.h"

typedef enum CustomerKeyKind
{
	CKEY_INTEGER,				/* int2, int4, int8 themselves: integer keys */
	CKEY_NUMERIC,				/* numeric (or a domain): rfm_numeric_key_text */
	CKEY_FLOAT4,				/* real (or a domain): rfm_float4_key_text */
	CKEY_FLOAT8,				/* double precision (or a domain): rfm_float8_key_text */
	CKEY_TEXT,					/* ::text tells keys apart as = does (text, varchar,
								 * char(n) with a deterministic collation, uuid, a
								 * domain over an integer type) */
	CKEY_GROUPED,				/* any other type with a default ordering: grouped by
								 * its own equality (SQL path) */
	CKEY_UNSUPPORTED			/* no default ordering: cannot be grouped */
} CustomerKeyKind;

/* The kind of a customer column of this type and collation. */
extern CustomerKeyKind rfm_customer_key_kind(Oid type, Oid collation);

/* Room for any float key text (the shortest round-trip form, "NaN", "-Infinity"). */
#define RFM_FLOAT_KEY_LEN 32

/*
 * The canonical text of a numeric key: the value at its smallest display
 * scale, as trim_scale(value)::text prints it (no trailing fractional
 * zeros; NaN, Infinity and -Infinity as numeric_out).  Written into buf
 * when it fits bufsize (with its terminating zero), else palloc'd; *len is
 * the length without the zero.
 */
extern char *rfm_numeric_key_text(Numeric value, char *buf, Size bufsize, uint32 *len);

/*
 * The canonical text of a float key, into buf[RFM_FLOAT_KEY_LEN]: the
 * shortest text that reads back as the same value (float8out with the
 * default extra_float_digits, whatever the session's setting), -0 as "0",
 * every NaN as "NaN".  Returns the length.
 */
extern uint32 rfm_float4_key_text(float4 value, char *buf);
extern uint32 rfm_float8_key_text(float8 value, char *buf);

#endif							/* RFM_CUSTOMER_KEY_H */
