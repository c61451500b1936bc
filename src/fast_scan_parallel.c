/*
 * fast_scan_parallel.c: the direct scan's order pass with parallel
 * workers, when PostgreSQL would run a parallel sequential scan of the
 * table (max_parallel_workers_per_gather, min_parallel_table_scan_size,
 * the table's parallel_workers setting).
 *
 * The leader and each worker read blocks of one parallel heap scan (the
 * query's snapshot, as Parallel Seq Scan shares it) into their own
 * per-customer table with the same loop (fast_scan_rows).  A worker then
 * sends its customers in 1 MB parts through its own message queue, and
 * the leader merges them into its table: a customer's orders may be split
 * between processes, and merging is what the SQL path's combine step does.
 * A worker's error (54000 over rfm.max_memory, 22008, 22023, ...) reaches
 * the leader with its SQLSTATE.
 */
#include "compat.h"

#include "fast_scan_order.h"
#include "settings.h"

#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include <unistd.h>

#define KEY_ORDER_SCAN	UINT64CONST(0x52464D5343414E01)
#define KEY_TABLE_SCAN	UINT64CONST(0x52464D5343414E02)
#define KEY_QUEUES		UINT64CONST(0x52464D5343414E03)
#define QUEUE_BYTES		((Size) 4 * 1024 * 1024)
#define PART_BYTES		((Size) 1024 * 1024)

PGDLLEXPORT void rfm_fast_scan_worker(dsm_segment *seg, shm_toc *toc);

/*
 * rfm.direct_scan_workers (settings.c): -1 (the default) chooses as below,
 * 0 turns the workers off, N > 0 asks for N whatever the table's size
 * (tests; a DBA's cap).
 */
static int
workers_setting(void)
{
	return rfm_direct_scan_workers;
}

/*
 * Workers for a parallel scan of rel.  Automatic: as the planner counts
 * them for a parallel sequential scan (compute_parallel_worker): the
 * table's parallel_workers setting, else none below
 * min_parallel_table_scan_size and one more each time the table is three
 * times bigger; at most max_parallel_workers_per_gather, and never more
 * processes than CPUs online: the leader scans too and each process is
 * busy all along (memory-bound), so one process more than the CPUs only
 * adds a table to merge.  None where parallel query cannot run: inside a
 * parallel operation, temporary tables (their buffers are the session's
 * own).
 */
static int
workers_for(Relation rel)
{
	int			setting = workers_setting();
	BlockNumber pages;
	int			workers;

	if (setting == 0 || IsInParallelMode() || IsParallelWorker() || !IsUnderPostmaster ||
		RelationUsesLocalBuffers(rel))
		return 0;
	if (setting > 0)
		return setting;
	if (max_parallel_workers_per_gather <= 0)
		return 0;
	workers = RelationGetParallelWorkers(rel, -1);
	if (workers < 0)
	{
		int			threshold = Max(min_parallel_table_scan_size, 1);

		pages = RelationGetNumberOfBlocks(rel);
		if (pages < (BlockNumber) min_parallel_table_scan_size)
			return 0;
		workers = 1;
		while (pages >= (BlockNumber) threshold * 3)
		{
			workers++;
			threshold *= 3;
			if (threshold > INT_MAX / 3)
				break;
		}
	}
	workers = Min(workers, max_parallel_workers_per_gather);
#ifdef _SC_NPROCESSORS_ONLN
	{
		long		cpus = sysconf(_SC_NPROCESSORS_ONLN);

		if (cpus > 0)
			workers = Min(workers, (int) Min(cpus - 1, (long) INT_MAX));
	}
#endif
	return workers;
}

bool
fast_scan_parallel(const OrderScan *os, Relation rel, FastTable *table)
{
	int			nworkers = workers_for(rel);
	Snapshot	snapshot = GetActiveSnapshot();
	ParallelContext *pcxt;
	Size		pscan_size;
	OrderScan  *shared;
	ParallelTableScanDesc pscan;
	char	   *queues;
	shm_mq_handle **handles;
	TableScanDesc scan;
	int			launched;
	uint64		merged = 0;
	instr_time	start,
				scanned,
				done;

	if (nworkers == 0)
		return false;
	EnterParallelMode();
	pcxt = CreateParallelContext("rfm", "rfm_fast_scan_worker", nworkers);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(OrderScan));
	pscan_size = table_parallelscan_estimate(rel, snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, pscan_size);
	shm_toc_estimate_chunk(&pcxt->estimator, mul_size(QUEUE_BYTES, nworkers));
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory to be had: scan alone */
		DestroyParallelContext(pcxt);
		ExitParallelMode();
		return false;
	}

	shared = shm_toc_allocate(pcxt->toc, sizeof(OrderScan));
	memcpy(shared, os, sizeof(OrderScan));
	shm_toc_insert(pcxt->toc, KEY_ORDER_SCAN, shared);
	pscan = shm_toc_allocate(pcxt->toc, pscan_size);
	table_parallelscan_initialize(rel, pscan, snapshot);
	shm_toc_insert(pcxt->toc, KEY_TABLE_SCAN, pscan);
	queues = shm_toc_allocate(pcxt->toc, mul_size(QUEUE_BYTES, nworkers));
	for (int i = 0; i < nworkers; i++)
		shm_mq_set_receiver(shm_mq_create(queues + i * QUEUE_BYTES, QUEUE_BYTES), MyProc);
	shm_toc_insert(pcxt->toc, KEY_QUEUES, queues);

	LaunchParallelWorkers(pcxt);
	launched = pcxt->nworkers_launched;
	handles = palloc(sizeof(shm_mq_handle *) * Max(launched, 1));
	/* with a worker's handle a receive notices when it failed to start */
	for (int i = 0; i < launched; i++)
		handles[i] = shm_mq_attach((shm_mq *) (queues + i * QUEUE_BYTES), pcxt->seg,
								   pcxt->worker[i].bgwhandle);

	/*
	 * The leader reads blocks too, unless parallel_leader_participation is
	 * off (as for Gather); all of them if no worker started.
	 */
	INSTR_TIME_SET_CURRENT(start);
	if (parallel_leader_participation || launched == 0)
	{
		scan = table_beginscan_parallel(rel, pscan);
		fast_scan_rows(os, rel, scan, table);
		table_endscan(scan);
	}
	INSTR_TIME_SET_CURRENT(scanned);

	for (int i = 0; i < launched; i++)
	{
		for (;;)
		{
			Size		nbytes;
			void	   *data;

			/* DETACHED: the worker is done (or failed: reported below) */
			if (shm_mq_receive(handles[i], &nbytes, &data, false) != SHM_MQ_SUCCESS)
				break;
			if (nbytes < VARHDRSZ || VARSIZE_ANY((bytea *) data) != nbytes)
				elog(ERROR, "rfm: malformed customer part from a parallel worker");
			merged += fast_table_merge_serialized(table, (bytea *) data);
		}
	}
	WaitForParallelWorkersToFinish(pcxt);
	INSTR_TIME_SET_CURRENT(done);
	INSTR_TIME_SUBTRACT(done, scanned);
	INSTR_TIME_SUBTRACT(scanned, start);
	elog(DEBUG1, "%s: direct scan with %d parallel workers launched (%d planned), %llu customers of theirs merged",
		 os->caller, launched, nworkers, (unsigned long long) merged);
	elog(DEBUG2, "%s: the leader's share of the scan %.3f s, merging the workers' customers %.3f s",
		 os->caller, INSTR_TIME_GET_DOUBLE(scanned), INSTR_TIME_GET_DOUBLE(done));
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	pfree(handles);
	return true;
}

void
rfm_fast_scan_worker(dsm_segment *seg, shm_toc *toc)
{
	OrderScan  *os = shm_toc_lookup(toc, KEY_ORDER_SCAN, false);
	ParallelTableScanDesc pscan = shm_toc_lookup(toc, KEY_TABLE_SCAN, false);
	char	   *queues = shm_toc_lookup(toc, KEY_QUEUES, false);
	shm_mq	   *mq = (shm_mq *) (queues + ParallelWorkerNumber * QUEUE_BYTES);
	shm_mq_handle *handle;
	Relation	rel;
	TableScanDesc scan;
	FastTable  *table;
	uint64		next_slot = 0;
	bytea	   *part;

	shm_mq_set_sender(mq, MyProc);
	handle = shm_mq_attach(mq, seg, NULL);
	rel = table_open(os->relid, AccessShareLock);
	table = fast_table_create(CurrentMemoryContext, os->text_keys);
	if (os->estimate > 0)
		fast_table_reserve(table, os->estimate + os->estimate / 2);
	scan = table_beginscan_parallel(rel, pscan);
	fast_scan_rows(os, rel, scan, table);
	table_endscan(scan);
	table_close(rel, NoLock);

	while ((part = fast_table_serialize_part(table, &next_slot, PART_BYTES)) != NULL)
	{
		/* the leader detached: it is failing anyway */
		if (rfm_shm_mq_send(handle, VARSIZE(part), part) != SHM_MQ_SUCCESS)
			break;
		pfree(part);
	}
}
