/*
 * clv_common.c: argument checks, result checks and composite results for the
 * CLV models.  Every non-finite value is an error with an errcode: the model
 * functions never hand back NaN or infinity.
 */
#include "compat.h"

#include <math.h>

#include "clv_common.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/float.h"

/*
 * A double in an error message as SELECT shows it: the shortest text that
 * reads back as the same value (%g showed 1.0000001 as 1 and 1000000001 as
 * 1e+09, hiding what was wrong with them).
 */
const char *
clv_show(double v)
{
	return float8out_internal(v);
}

MemoryContext
clv_aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return cxt;
}

double
clv_arg_finite(FunctionCallInfo fcinfo, int argno, const char *fname, const char *name)
{
	double		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s must not be NULL", fname, name)));
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must be finite, got %s", fname, name, clv_show(v))));
	return v;
}

void
clv_check_nonnegative(double v, const char *fname, const char *name)
{
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s must not be negative, got %s", fname, name, clv_show(v))));
}

void
clv_check_whole(double v, const char *fname, const char *name)
{
	/*
	 * Beyond ~1e9 the likelihood's lgamma terms (~x log x) cancel to
	 * rounding noise and a fit "converges" anywhere; no customer repeats
	 * that often.
	 */
	if (v > CLV_MAX_REPEATS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s counts repeat purchases and must be at most %.0f, got %s",
						fname, name, CLV_MAX_REPEATS, clv_show(v))));
	if (v != floor(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s counts repeat purchases and must be a whole number, got %s",
						fname, name, clv_show(v)),
				 errhint("Use repeat_days of rfm.summary (distinct purchase days minus one).")));
}

/* Model parameters (r, alpha, a, b, p, q, gamma) are positive and finite. */
void
clv_check_parameter(double v, const char *fname, const char *name)
{
	if (!isfinite(v) || v <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: model parameter %s must be positive and finite, got %s",
						fname, name, clv_show(v)),
				 errhint("Pass a fit returned by rfm.fit_bgnbd or rfm.fit_gamma_gamma.")));
}

double
clv_check_result(double v, const char *fname, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: %s is not a finite number", fname, what),
				 errhint("The inputs are outside the range where the model can be evaluated in double precision.")));
	return v == 0 ? 0.0 : v;	/* never -0 (a product with -expm1(0), say) */
}

Datum
clv_form_result(FunctionCallInfo fcinfo, Datum *values, int natts, const char *fname)
{
	TupleDesc	desc;
	bool		nulls[16] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "%s must return a composite type", fname);
	if (desc->natts != natts || natts > 16)
		elog(ERROR, "%s: result type has %d columns, expected %d", fname, desc->natts, natts);
	desc = BlessTupleDesc(desc);
	return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}
