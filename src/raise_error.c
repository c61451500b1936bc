/*
 * raise_error.c: rfm._raise_error, the error a failed refresh raises in
 * the words of rfm.refresh_tiers, carrying what the error it caught had.
 *
 * PL/pgSQL's RAISE ... USING sends every option it is given: the fields
 * the caught error did not have (a column name for a check violation)
 * would reach clients as empty ones.  Here an empty or NULL field is left
 * out, and so is the CONTEXT of this call (PL/pgSQL's line and the
 * SELECT of this function's arguments, which said nothing to the user).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(rfm_raise_error);

/* Argument n as a C string, or NULL when it is NULL or empty. */
static const char *
optional_text(FunctionCallInfo fcinfo, int n)
{
	char	   *s;

	if (PG_ARGISNULL(n))
		return NULL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(n));
	return s[0] != '\0' ? s : NULL;
}

/* The five-character SQLSTATE, or internal_error when it is none. */
static int
sqlstate_code(const char *state)
{
	if (state == NULL || strlen(state) != 5 ||
		strspn(state, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 5 ||
		strncmp(state, "00", 2) == 0)
		return ERRCODE_INTERNAL_ERROR;
	return MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
}

/*
 * rfm._raise_error(sqlstate, message, detail, hint, schema_name,
 * table_name, column_name, constraint_name, datatype_name): never returns.
 */
Datum
rfm_raise_error(PG_FUNCTION_ARGS)
{
	const char *message = optional_text(fcinfo, 1);
	const char *detail = optional_text(fcinfo, 2);
	const char *hint = optional_text(fcinfo, 3);
	const char *schema = optional_text(fcinfo, 4);
	const char *table = optional_text(fcinfo, 5);
	const char *column = optional_text(fcinfo, 6);
	const char *constraint = optional_text(fcinfo, 7);
	const char *datatype = optional_text(fcinfo, 8);

	/* every handler this error reaches restores the stack it saved */
	error_context_stack = NULL;
	ereport(ERROR,
			(errcode(sqlstate_code(optional_text(fcinfo, 0))),
			 errmsg_internal("%s", message ? message : "rfm: error"),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0,
			 schema ? err_generic_string(PG_DIAG_SCHEMA_NAME, schema) : 0,
			 table ? err_generic_string(PG_DIAG_TABLE_NAME, table) : 0,
			 column ? err_generic_string(PG_DIAG_COLUMN_NAME, column) : 0,
			 constraint ? err_generic_string(PG_DIAG_CONSTRAINT_NAME, constraint) : 0,
			 datatype ? err_generic_string(PG_DIAG_DATATYPE_NAME, datatype) : 0));
	PG_RETURN_VOID();
}
