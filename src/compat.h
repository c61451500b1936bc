/*
 * compat.h: the few places where PostgreSQL 13..17 differ for rfm.
 */
#ifndef RFM_COMPAT_H
#define RFM_COMPAT_H

#include "postgres.h"
#include "utils/numeric.h"

#if PG_VERSION_NUM < 130000
#error "rfm requires PostgreSQL 13 or later"
#endif

/* Numeric infinities exist from PostgreSQL 14 on. */
#if PG_VERSION_NUM >= 140000
#define rfm_numeric_is_inf(n) numeric_is_inf(n)
#else
#define rfm_numeric_is_inf(n) false
#endif

/* int64_to_numeric() is exported from PostgreSQL 14 on. */
#if PG_VERSION_NUM < 140000
#include "utils/fmgrprotos.h"
#define int64_to_numeric(v) \
	DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)))
#endif

/*
 * SPI_execute_extended with a DestReceiver, and a tuplestore receiver that
 * converts rows to a target descriptor, exist from PostgreSQL 14 on (what
 * plpgsql's RETURN QUERY uses there); 13 reads through a cursor instead.
 */
#define RFM_HAVE_SPI_DEST (PG_VERSION_NUM >= 140000)

/* varatt.h was split out of postgres.h in PostgreSQL 16. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#endif							/* RFM_COMPAT_H */
