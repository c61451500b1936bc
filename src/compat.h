/*
 * compat.h: the few places where PostgreSQL 13..18 differ for rfm.
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

/*
 * PostgreSQL 18: RelationGetPrimaryKeyIndex says whether a deferrable key
 * will do (ours must be immediate), index_beginscan takes an
 * instrumentation struct (none), ExecutorRun lost execute_once, and
 * PrepareSortSupportFromIndexRel asks "reverse?" where earlier versions took
 * a btree strategy (for an index's first column in ascending order).  That
 * last one converts silently: BTLessStrategyNumber is 1, "reverse" on 18,
 * which only a test of the order caught (test/tiers_in_place.sql).
 */
#if PG_VERSION_NUM >= 180000
#define rfm_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#define rfm_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#define rfm_executor_run(qd, direction, count) ExecutorRun((qd), (direction), (count))
#define rfm_sort_support_from_index(index, ssup) PrepareSortSupportFromIndexRel((index), false, (ssup))
#else
#define rfm_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#define rfm_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#define rfm_executor_run(qd, direction, count) ExecutorRun((qd), (direction), (count), true)
#define rfm_sort_support_from_index(index, ssup) \
	PrepareSortSupportFromIndexRel((index), BTLessStrategyNumber, (ssup))
#endif

#endif							/* RFM_COMPAT_H */
