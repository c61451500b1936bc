/*
 * customer_key.c: which customer keys may be told apart by a text, and the
 * canonical text of numeric and floating-point keys (customer_key.h).
 *
 *   rfm._customer_key_kind(source regclass, customer_column text) -> text:
 *       'integer', 'numeric', 'float4', 'float8', 'text', 'grouped' or
 *       'unsupported' (NULL for no such column); the SQL path's choice,
 *       made by the same function as the direct scan's.
 *   rfm._customer_key(numeric | real | double precision) -> text: the
 *       canonical key text, as the direct scan prints it.
 */
#include "compat.h"

#include "customer_key.h"
#include "numeric_layout.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(rfm_customer_key_kind_sql);
PG_FUNCTION_INFO_V1(rfm_customer_key_numeric);
PG_FUNCTION_INFO_V1(rfm_customer_key_float4);
PG_FUNCTION_INFO_V1(rfm_customer_key_float8);

CustomerKeyKind
rfm_customer_key_kind(Oid type, Oid collation)
{
	TypeCacheEntry *entry;

	if (type == INT2OID || type == INT4OID || type == INT8OID)
		return CKEY_INTEGER;
	switch (getBaseType(type))
	{
		case NUMERICOID:
			return CKEY_NUMERIC;
		case FLOAT4OID:
			return CKEY_FLOAT4;
		case FLOAT8OID:
			return CKEY_FLOAT8;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case UUIDOID:
			return CKEY_TEXT;	/* one text per value */
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			/*
			 * With a deterministic collation = compares the bytes (char(n):
			 * without trailing blanks, as its ::text); a nondeterministic
			 * one makes 'Ann' = 'ann', say.
			 */
			if (OidIsValid(collation) && get_collation_isdeterministic(collation))
				return CKEY_TEXT;
			break;
		default:
			break;
	}
	/* numbers with several texts (interval '1 day' = '24 hours'), citext, ... */
	entry = lookup_type_cache(type, TYPECACHE_LT_OPR);
	return OidIsValid(entry->lt_opr) ? CKEY_GROUPED : CKEY_UNSUPPORTED;
}

Datum
rfm_customer_key_kind_sql(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {
		[CKEY_INTEGER] = "integer",
		[CKEY_NUMERIC] = "numeric",
		[CKEY_FLOAT4] = "float4",
		[CKEY_FLOAT8] = "float8",
		[CKEY_TEXT] = "text",
		[CKEY_GROUPED] = "grouped",
		[CKEY_UNSUPPORTED] = "unsupported"
	};
	Oid			relid = PG_GETARG_OID(0);
	char	   *column = text_to_cstring(PG_GETARG_TEXT_PP(1));
	AttrNumber	attnum = get_attnum(relid, column);
	HeapTuple	tuple;
	Form_pg_attribute att;
	CustomerKeyKind kind;

	if (attnum <= 0)
		PG_RETURN_NULL();		/* the caller reports a missing column */
	tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tuple))
		PG_RETURN_NULL();
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	if (att->attisdropped)
	{
		ReleaseSysCache(tuple);
		PG_RETURN_NULL();
	}
	kind = rfm_customer_key_kind(att->atttypid, att->attcollation);
	ReleaseSysCache(tuple);
	PG_RETURN_TEXT_P(cstring_to_text(names[kind]));
}


char *
rfm_numeric_key_text(Numeric value, char *buf, Size bufsize, uint32 *len)
{
	NumericParts parts;
	bool		negative;
	int			weight;
	const char *digits;
	int			ndigits;
	Size		need;
	char	   *out;
	char	   *p;

	rfm_numeric_parts(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), &parts);
	if (parts.special)
	{
		const char *special = (parts.header & NUM_SPECIAL_MASK) == NUM_NAN ? "NaN"
			: (parts.header & NUM_SPECIAL_MASK) == NUM_PINF ? "Infinity" : "-Infinity";

		*len = strlen(special);
		out = bufsize > *len ? buf : palloc(*len + 1);
		memcpy(out, special, *len + 1);
		return out;
	}
	negative = parts.negative;
	weight = parts.weight;
	digits = parts.digits;
	ndigits = parts.ndigits;
	/* stored values have no leading or trailing zero digits; be safe */
	while (ndigits > 0 && rfm_numeric_digit(digits, 0) == 0)
	{
		digits += sizeof(int16);
		ndigits--;
		weight--;
	}
	while (ndigits > 0 && rfm_numeric_digit(digits, ndigits - 1) == 0)
		ndigits--;
	if (ndigits == 0)
	{
		*len = 1;
		out = bufsize > 1 ? buf : palloc(2);
		memcpy(out, "0", 2);
		return out;
	}

	/* sign, integer digits (or "0"), point, fraction digits, zero byte */
	need = 1 + 4 * (Size) (weight >= 0 ? weight + 1 : 1) + 1 +
		4 * (Size) (ndigits + (weight < 0 ? -weight : 0)) + 1;
	out = need <= bufsize ? buf : palloc(need);
	p = out;
	if (negative)
		*p++ = '-';
	if (weight < 0)
		*p++ = '0';
	else
	{
		for (int i = 0; i <= weight; i++)
		{
			int			d = i < ndigits ? rfm_numeric_digit(digits, i) : 0;

			if (i == 0)
			{
				/* the first digit group without leading zeros (it is not 0) */
				char		tmp[4];
				int			n = 0;

				while (d > 0)
				{
					tmp[n++] = (char) ('0' + d % 10);
					d /= 10;
				}
				while (n > 0)
					*p++ = tmp[--n];
			}
			else
			{
				p[0] = (char) ('0' + d / 1000);
				p[1] = (char) ('0' + d / 100 % 10);
				p[2] = (char) ('0' + d / 10 % 10);
				p[3] = (char) ('0' + d % 10);
				p += 4;
			}
		}
	}
	if (ndigits - 1 > weight)
	{
		/* digit i stands for 10000^(weight - i); groups 10000^-1 down to the last digit's */
		*p++ = '.';
		for (int k = -1; k >= weight - (ndigits - 1); k--)
		{
			int			i = weight - k;
			int			d = i >= 0 ? rfm_numeric_digit(digits, i) : 0;

			p[0] = (char) ('0' + d / 1000);
			p[1] = (char) ('0' + d / 100 % 10);
			p[2] = (char) ('0' + d / 10 % 10);
			p[3] = (char) ('0' + d % 10);
			p += 4;
		}
		/* the smallest display scale: the last digit group is not 0 */
		while (p[-1] == '0')
			p--;
	}
	*p = '\0';
	*len = (uint32) (p - out);
	return out;
}

uint32
rfm_float4_key_text(float4 value, char *buf)
{
	StaticAssertStmt(RFM_FLOAT_KEY_LEN > FLOAT_SHORTEST_DECIMAL_LEN, "float key buffer too small");
	if (value == 0)
	{
		memcpy(buf, "0", 2);	/* -0 = 0 */
		return 1;
	}
	return (uint32) float_to_shortest_decimal_buf(value, buf);
}

uint32
rfm_float8_key_text(float8 value, char *buf)
{
	StaticAssertStmt(RFM_FLOAT_KEY_LEN > DOUBLE_SHORTEST_DECIMAL_LEN, "float key buffer too small");
	if (value == 0)
	{
		memcpy(buf, "0", 2);	/* -0 = 0 */
		return 1;
	}
	return (uint32) double_to_shortest_decimal_buf(value, buf);
}

Datum
rfm_customer_key_numeric(PG_FUNCTION_ARGS)
{
	char		buf[128];
	uint32		len;
	char	   *s = rfm_numeric_key_text((Numeric) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0)),
										 buf, sizeof(buf), &len);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(s, (int) len));
}

Datum
rfm_customer_key_float4(PG_FUNCTION_ARGS)
{
	char		buf[RFM_FLOAT_KEY_LEN];
	uint32		len = rfm_float4_key_text(PG_GETARG_FLOAT4(0), buf);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) len));
}

Datum
rfm_customer_key_float8(PG_FUNCTION_ARGS)
{
	char		buf[RFM_FLOAT_KEY_LEN];
	uint32		len = rfm_float8_key_text(PG_GETARG_FLOAT8(0), buf);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, (int) len));
}
