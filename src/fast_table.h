/*
 * fast_table.h: a compact per-customer hash table for whole-table builds
 * (rfm.customer_scores, customer states).
 *
 * One 64-byte slot per customer holds exactly what R/F/M scores need:
 * first and last purchase day, purchase rows, and the exact net amount
 * (purchases minus refunds) as an ExactSum.  The rules are those of
 * rfm.summarize (README, "Input rules"); the tests check both agree.
 */
#ifndef RFM_FAST_TABLE_H
#define RFM_FAST_TABLE_H

#include "compat.h"
#include "exact_sum.h"
#include "utils/date.h"

#ifndef HAVE_INT128
#error "rfm's whole-table path (src/fast_*.c) needs a compiler with 128-bit integers"
#endif

typedef struct FastEntry
{
	uint32		hash;
	uint32		used;			/* 0: empty slot; else 1 + key length (1 for bigint keys) */
	union
	{
		int64		ikey;
		char	   *skey;		/* in the table's key arena */
	}			key;
	DateADT		first_purchase; /* valid when frequency > 0 */
	DateADT		last_purchase;
	int64		frequency;		/* rows with amount > 0 */
	ExactSum	net;			/* sum of nonzero amounts: monetary */
} FastEntry;

/*
 * Orders wait in a short ring while their slot's cache line is prefetched:
 * with ~1M customers the table is far bigger than the CPU caches and each
 * order otherwise stalls on one cache (and TLB) miss.  Aggregation is
 * order-independent, so deferring an order changes nothing.
 */
#define FAST_RING			16
#define FAST_RING_KEY		48

typedef struct FastPending
{
	uint32		hash;
	uint32		keylen;
	int64		ikey;
	DateADT		day;
	int32		scale;			/* amount = amount_scaled * 10^-scale */
	int128		amount_scaled;
	char		key[FAST_RING_KEY];
} FastPending;

typedef struct FastTable
{
	MemoryContext cxt;
	bool		text_keys;
	uint64		capacity;		/* power of two */
	uint64		count;
	FastEntry  *slots;			/* 64-byte aligned: one cache line per slot */
	void	   *slots_raw;		/* the allocation (fast_table.c's SlotAlloc) */
	char	   *arena;			/* current key block */
	Size		arena_left;
	Size		arena_bytes;	/* all key blocks */
	Size		big_bytes;		/* sums kept as numeric (exact_sum.c's big form) */
	Size		max_bytes;		/* rfm.max_memory */
	int			npending;
	int			next_pending;	/* oldest pending order */
	FastPending pending[FAST_RING];
} FastTable;

/*
 * Size of the next block of a bump arena (keys, kept rows) that holds
 * arena_bytes so far and needs need bytes now: 16 kB first, then the
 * arena's size again, up to 1 MB.  A fixed 1 MB first block made any
 * text-key build need 1.1 MB, more than a small rfm.max_memory allows.
 */
static inline Size
rfm_arena_block(Size arena_bytes, Size need)
{
	Size		block = arena_bytes < 16 * 1024 ? 16 * 1024 :
		Min(arena_bytes, (Size) 1024 * 1024);

	return Max(block, need);
}

/* Bytes per customer slot (the table keeps at most 3/4 of its slots full). */
#define FAST_SLOT_BYTES ((Size) sizeof(FastEntry))

/* splitmix64 finalizer: integer keys, and the in-place refresh's by-value keys */
static inline uint32
rfm_hash_int64(int64 key)
{
	uint64		x = (uint64) key;

	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return (uint32) x;
}

/* rfm.max_memory in bytes (also caps tier_refresh.c). */
extern Size max_memory_bytes(void);
extern void rfm_check_max_memory(Size needed, Size max_bytes, uint64 customers);
extern FastTable *fast_table_create(MemoryContext cxt, bool text_keys);
extern FastEntry *fast_table_lookup(FastTable *table, int64 ikey, const char *skey, uint32 len);
extern void fast_table_add_order(FastTable *table, int64 ikey, const char *skey, uint32 len,
								 DateADT day, Numeric amount);
extern void fast_table_add_scaled(FastTable *table, int64 ikey, const char *skey, uint32 len,
								  DateADT day, int128 amount, int32 scale);
extern void fast_table_flush(FastTable *table);
extern void fast_table_reserve(FastTable *table, uint64 customers);
extern void fast_table_free_slots(FastTable *table);
extern void fast_entry_add_order(FastEntry *entry, DateADT day, Numeric amount, MemoryContext cxt);
extern void fast_entry_merge(FastEntry *into, const FastEntry *from, MemoryContext cxt);
extern void fast_table_merge_entry(FastTable *table, FastEntry *target, const FastEntry *from);
extern void fast_table_merge(FastTable *into, FastTable *from);
extern bytea *fast_table_serialize(FastTable *table);

/*
 * The next customers from slot *next_slot on, serialized (as many as fit
 * limit bytes, at least one), *next_slot moved past them; NULL when none
 * is left.  For parallel workers, which hand their table over in parts.
 */
extern bytea *fast_table_serialize_part(FastTable *table, uint64 *next_slot, Size limit);
extern uint64 fast_table_merge_serialized(FastTable *table, bytea *bytes);
extern FastTable *fast_table_deserialize(bytea *bytes, MemoryContext cxt);

/*
 * Sequential reader over a serialized table (no hashing): for the SRFs.
 * The framing (lengths, customer count) is always checked.  verify checks
 * every customer too, as a value that came from SQL must be: any role may
 * call the functions taking one, so a hand-made value must not be able to
 * make them read past it or return what no order could give (XX001).
 * Only the parts parallel workers hand over (this code's own output)
 * are read without.
 */
typedef struct FastReader
{
	const char *pos;
	const char *end;
	bool		text_keys;
	bool		verify;
	uint64		count;
	uint64		left;			/* customers not yet read */
} FastReader;

extern void fast_reader_init(FastReader *reader, bytea *bytes, bool verify);
extern void fast_check_unique_keys(bytea *bytes);
extern void fast_state_corrupt(void);
extern void fast_check_stored_state(const char *key, size_t keylen, bool fields_null, int64 frequency,
									bool days_null, DateADT first_purchase, DateADT last_purchase,
									Numeric monetary, const char *caller);
extern bool fast_reader_next(FastReader *reader, FastEntry *entry, uint32 *keylen);

#endif							/* RFM_FAST_TABLE_H */
