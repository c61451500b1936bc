/*
 * commit_check.c: rfm._check_can_commit(caller), the first step of the
 * procedures that commit (rfm.refresh_tiers).  Called where a COMMIT is
 * not allowed (inside BEGIN ... COMMIT, a function, an EXCEPTION block, a
 * procedure with a SET clause or in SQL, a query string of several
 * statements, a client with autocommit off), they failed at their first
 * COMMIT with PostgreSQL's bare "invalid transaction termination"; this
 * says where they may be called instead.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(rfm_check_can_commit);

/*
 * Called from PL/pgSQL, whose SPI connection is the current one: it is
 * non-atomic exactly when the procedure may commit.
 */
Datum
rfm_check_can_commit(PG_FUNCTION_ARGS)
{
	char	   *caller = PG_ARGISNULL(0) ? "rfm" : text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (!SPI_inside_nonatomic_context())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("%s must be called with CALL at top level, outside a transaction block", caller),
				 errdetail("It commits its rfm.refresh_log row before the refresh, and the refresh after it."),
				 errhint("Not inside BEGIN ... COMMIT, a function, a PL/pgSQL block with EXCEPTION, a procedure "
						 "with a SET clause or in LANGUAGE sql, or a query string of several statements; "
						 "a client with autocommit off (psql's \\set AUTOCOMMIT off, psycopg2's default) must turn it on for this call.")));
	PG_RETURN_VOID();
}
