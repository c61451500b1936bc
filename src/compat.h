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

/*
 * Tier tables refreshed in place (tier_refresh.c).  The caller must include
 * miscadmin.h, utils/acl.h, utils/guc.h and executor/executor.h.
 *
 * Who may refresh a materialized view: its owner up to 16 (pg_class_ownercheck,
 * object_ownercheck from 16), the MAINTAIN privilege from 17 (as
 * RangeVarCallbackMaintainsTable).
 */
#if PG_VERSION_NUM >= 170000
#define rfm_may_refresh(relid) \
	(pg_class_aclcheck((relid), GetUserId(), ACL_MAINTAIN) == ACLCHECK_OK)
#elif PG_VERSION_NUM >= 160000
#define rfm_may_refresh(relid) object_ownercheck(RelationRelationId, (relid), GetUserId())
#else
#define rfm_may_refresh(relid) pg_class_ownercheck((relid), GetUserId())
#endif

/* REFRESH MATERIALIZED VIEW runs with search_path pg_catalog, pg_temp from 17 on. */
#if PG_VERSION_NUM >= 170000
#define rfm_restrict_search_path() RestrictSearchPath()
#else
#define rfm_restrict_search_path() ((void) 0)
#endif

/*
 * Index entries for a new heap tuple, no speculative insertion, no arbiter
 * indexes; returns the list of indexes needing a deferred recheck.
 * 13: the result relation is read from the EState; 14-15: an "update"
 * flag; 16+: also "onlySummarizing".
 */
#if PG_VERSION_NUM >= 160000
#define rfm_insert_index_tuples(rri, slot, estate) \
	ExecInsertIndexTuples((rri), (slot), (estate), false, false, NULL, NIL, false)
#elif PG_VERSION_NUM >= 140000
#define rfm_insert_index_tuples(rri, slot, estate) \
	ExecInsertIndexTuples((rri), (slot), (estate), false, false, NULL, NIL)
#else
#define rfm_insert_index_tuples(rri, slot, estate) \
	((estate)->es_result_relation_info = (rri), \
	 ExecInsertIndexTuples((slot), (estate), false, NULL, NIL))
#endif

/* shm_mq_send gained force_flush in PostgreSQL 15 (fast_scan_parallel.c). */
#if PG_VERSION_NUM >= 150000
#define rfm_shm_mq_send(handle, nbytes, data) shm_mq_send((handle), (nbytes), (data), false, true)
#else
#define rfm_shm_mq_send(handle, nbytes, data) shm_mq_send((handle), (nbytes), (data), false)
#endif

#endif							/* RFM_COMPAT_H */
