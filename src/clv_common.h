/*
 * clv_common.h: checks and glue shared by the CLV model code.
 */
#ifndef RFM_CLV_COMMON_H
#define RFM_CLV_COMMON_H

#include "compat.h"
#include "fmgr.h"

extern MemoryContext clv_aggregate_context(FunctionCallInfo fcinfo, const char *fname);
extern double clv_arg_finite(FunctionCallInfo fcinfo, int argno, const char *fname, const char *name);
extern void clv_check_nonnegative(double v, const char *fname, const char *name);
extern const char *clv_show(double v);
/* the most terms one 2F1 series, or one rfm.clv call in all, may sum */
#define CLV_MAX_SERIES_TERMS 50000000.0

/* the most repeat purchases (x) the models take */
#define CLV_MAX_REPEATS 1e9

extern void clv_check_whole(double v, const char *fname, const char *name);
extern void clv_check_parameter(double v, const char *fname, const char *name);
extern double clv_check_result(double v, const char *fname, const char *what);
extern Datum clv_form_result(FunctionCallInfo fcinfo, Datum *values, int natts, const char *fname);

#endif							/* RFM_CLV_COMMON_H */
