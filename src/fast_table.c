/*
 * fast_table.c: the per-customer hash table behind rfm.customer_scores and
 * customer states: open addressing with linear probing, 64-byte slots,
 * keys (text) in a bump arena, a memory cap (rfm.max_memory) and a flat
 * serialized form for parallel workers and for passing states around.
 *
 * Why not rfm.summarize under GROUP BY: PostgreSQL's generic hash
 * aggregation spends ~500 bytes and several cache misses per group; here a
 * customer costs one slot and usually one cache miss per order.
 */
#include "compat.h"

#include "fast_table.h"
#include "numeric_layout.h"
#include "scaled.h"
#include "rfm_state.h"
#include "settings.h"

#include "common/int.h"
#include "mb/pg_wchar.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

#define INITIAL_CAPACITY	1024
#define SERIAL_MAGIC		0x52464d43	/* "RFMC" */
#define SERIAL_VERSION		1

/* rfm.max_memory (settings.c): "SET rfm.max_memory = '4GB'". */
Size
max_memory_bytes(void)
{
	return (Size) rfm_max_memory_kb * 1024;
}

/*
 * 54000 when the per-customer data (slots, keys and the sums kept as
 * numeric) needs more than max_bytes.
 */
void
rfm_check_max_memory(Size needed, Size max_bytes, uint64 customers)
{
	if (needed > max_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 /* in kB below 10 MB, where MB would round to nothing */
				 max_bytes >= 10 * 1024 * 1024 ?
				 errmsg("rfm: the per-customer table needs %zu MB, more than rfm.max_memory (%zu MB)",
						(needed + 1024 * 1024 - 1) / (1024 * 1024), max_bytes / (1024 * 1024)) :
				 errmsg("rfm: the per-customer table needs %zu kB, more than rfm.max_memory (%zu kB)",
						(needed + 1023) / 1024, max_bytes / 1024),
				 errdetail("%llu customers so far; each costs about %zu bytes per process, plus its key beyond 8 bytes and a sum of more than 38 digits.",
						   (unsigned long long) customers, (Size) (FAST_SLOT_BYTES * 8 / 3)),
				 errhint("Raise rfm.max_memory if the machine has the memory, or build per "
						 "customer range (WHERE clause in a view) or use rfm.summarize with GROUP BY, "
						 "which spills to disk.")));
}

static void
check_memory(FastTable *table, Size needed)
{
	rfm_check_max_memory(needed + table->big_bytes, table->max_bytes, table->count);
}

static inline Size
big_size(const FastEntry *e)
{
	return e->net.big ? VARSIZE(e->net.big) : 0;
}

/*
 * After a change to e's sum, which had big_size before: a sum that has
 * gone to numeric form (more than 38 digits, or 30 decimals) counts
 * against rfm.max_memory too.  Rare, so out of line.
 */
static pg_noinline void
track_big(FastTable *table, const FastEntry *e, Size before)
{
	Size		after = big_size(e);

	table->big_bytes = table->big_bytes - before + after;
	if (after > before)
		check_memory(table, table->capacity * FAST_SLOT_BYTES + table->arena_bytes);
}


static inline uint32
hash_text(const char *s, uint32 len)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325);	/* FNV-1a, then mixed */

	for (uint32 i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= UINT64CONST(0x100000001b3);
	}
	return rfm_hash_int64((int64) h);
}

StaticAssertDecl(sizeof(FastEntry) == 64, "a customer slot is one cache line");

/*
 * Zeroed slots aligned to a cache line (an unaligned slot would straddle
 * two).  Big tables are mapped directly (fresh, zeroed by the kernel),
 * aligned to 2 MB and asked for transparent huge pages: every order touches
 * a random slot, and with 4 kB pages each such touch is also a TLB miss
 * (order pass 0.6 s against 1.0 s for 1M customers).  Through malloc they
 * could come from heap memory a big sort or hash freed earlier in the
 * session, already mapped with 4 kB pages.  A reset callback of the
 * table's context unmaps them, also after an error.
 */
#define HUGE_PAGE	((Size) 2 * 1024 * 1024)

typedef struct SlotAlloc
{
	void	   *ptr;			/* palloc'd chunk or mapping; NULL once freed */
	Size		len;			/* of the mapping */
	bool		mapped;
	MemoryContextCallback callback;
} SlotAlloc;

static void
unmap_slots(void *arg)
{
	SlotAlloc  *a = (SlotAlloc *) arg;

	if (a->ptr)
	{
#if defined(__linux__) && defined(MAP_ANONYMOUS)
		(void) munmap(a->ptr, a->len);
#endif
		a->ptr = NULL;
	}
}

static void
free_alloc(SlotAlloc *a)
{
	if (a == NULL || a->ptr == NULL)
		return;
	if (a->mapped)
		unmap_slots(a);			/* the struct stays: its callback is registered */
	else
	{
		pfree(a->ptr);
		pfree(a);
	}
}

static FastEntry *
alloc_slots(FastTable *table, uint64 capacity, SlotAlloc **handle)
{
	Size		bytes = capacity * FAST_SLOT_BYTES;
	SlotAlloc  *a;

	check_memory(table, bytes + table->arena_bytes);
	a = MemoryContextAllocZero(table->cxt, sizeof(SlotAlloc));
	*handle = a;
#if defined(__linux__) && defined(MAP_ANONYMOUS)
	if (bytes >= 2 * HUGE_PAGE)
	{
		char	   *map = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE,
							   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char	   *slots;

		if (map == MAP_FAILED)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("rfm: failed to map %zu MB for the per-customer table.",
							   bytes / (1024 * 1024))));
		a->ptr = map;
		a->len = bytes + HUGE_PAGE;
		a->mapped = true;
		a->callback.func = unmap_slots;
		a->callback.arg = a;
		MemoryContextRegisterResetCallback(table->cxt, &a->callback);
		slots = (char *) TYPEALIGN(HUGE_PAGE, map);
#ifdef MADV_HUGEPAGE
		(void) madvise(slots, bytes, MADV_HUGEPAGE);	/* only a hint */
#endif
		return (FastEntry *) slots;	/* already zero */
	}
#endif
	a->ptr = MemoryContextAllocExtended(table->cxt, bytes + 64, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	return (FastEntry *) TYPEALIGN(64, a->ptr);
}

void
fast_table_free_slots(FastTable *table)
{
	/* the sums kept as numeric too (a merged table's outlived the merge) */
	for (uint64 i = 0; table->big_bytes > 0 && i < table->capacity; i++)
		if (table->slots[i].used && table->slots[i].net.big)
		{
			table->big_bytes -= VARSIZE(table->slots[i].net.big);
			pfree(table->slots[i].net.big);
		}
	free_alloc((SlotAlloc *) table->slots_raw);
	table->slots = NULL;
	table->slots_raw = NULL;
	table->capacity = table->count = 0;
}

FastTable *
fast_table_create(MemoryContext cxt, bool text_keys)
{
	FastTable  *table = (FastTable *) MemoryContextAllocZero(cxt, sizeof(FastTable));

	table->cxt = cxt;
	table->text_keys = text_keys;
	table->max_bytes = max_memory_bytes();
	table->capacity = INITIAL_CAPACITY;
	table->slots = alloc_slots(table, table->capacity, (SlotAlloc **) &table->slots_raw);
	return table;
}

static inline bool
key_equal(const FastTable *table, const FastEntry *e, uint32 hash,
		  int64 ikey, const char *skey, uint32 len)
{
	if (e->hash != hash)
		return false;
	if (!table->text_keys)
		return e->key.ikey == ikey;
	return e->used == len + 1 && memcmp(e->key.skey, skey, len) == 0;
}

/* Moves every customer into a new slot array of newcap slots. */
static void
rehash(FastTable *table, uint64 newcap)
{
	FastEntry  *old = table->slots;
	SlotAlloc  *old_raw = (SlotAlloc *) table->slots_raw;
	SlotAlloc  *raw;
	FastEntry  *slots = alloc_slots(table, newcap, &raw);
	uint64		mask = newcap - 1;

	for (uint64 i = 0; i < table->capacity; i++)
	{
		uint64		pos;

		if (!old[i].used)
			continue;
		pos = old[i].hash & mask;
		while (slots[pos].used)
			pos = (pos + 1) & mask;
		slots[pos] = old[i];
	}
	free_alloc(old_raw);
	table->slots = slots;
	table->slots_raw = raw;
	table->capacity = newcap;
}

static void
grow(FastTable *table)
{
	rehash(table, table->capacity * 2);
}

/*
 * Sizes the table for about this many customers at once (an estimate:
 * saves the doublings; the table still grows if there are more).  Queued
 * orders are processed first (their slots move).
 */
void
fast_table_reserve(FastTable *table, uint64 customers)
{
	uint64		cap = table->capacity;

	fast_table_flush(table);
	while (cap * 3 < (customers + 1) * 4 && cap * FAST_SLOT_BYTES < table->max_bytes / 2)
		cap *= 2;
	if (cap > table->capacity)
		rehash(table, cap);
}

static char *
arena_copy(FastTable *table, const char *s, uint32 len)
{
	char	   *p;

	if (len > table->arena_left)
	{
		Size		block = rfm_arena_block(table->arena_bytes, len);

		check_memory(table, table->capacity * FAST_SLOT_BYTES + table->arena_bytes + block);
		table->arena = MemoryContextAlloc(table->cxt, block);
		table->arena_left = block;
		table->arena_bytes += block;
	}
	p = table->arena;
	memcpy(p, s, len);
	table->arena += len;
	table->arena_left -= len;
	return p;
}

static inline uint32
key_hash(const FastTable *table, int64 ikey, const char *skey, uint32 len)
{
	return table->text_keys ? hash_text(skey, len) : rfm_hash_int64(ikey);
}

static FastEntry *lookup_hashed(FastTable *table, uint32 hash, int64 ikey, const char *skey, uint32 len);

/* The customer's slot, created empty on first sight. */
FastEntry *
fast_table_lookup(FastTable *table, int64 ikey, const char *skey, uint32 len)
{
	return lookup_hashed(table, key_hash(table, ikey, skey, len), ikey, skey, len);
}

static FastEntry *
lookup_hashed(FastTable *table, uint32 hash, int64 ikey, const char *skey, uint32 len)
{
	uint64		mask;
	uint64		pos;
	FastEntry  *e;

	if ((table->count + 1) * 4 > table->capacity * 3)
		grow(table);
	mask = table->capacity - 1;
	pos = hash & mask;
	for (;;)
	{
		e = &table->slots[pos];
		if (!e->used)
			break;
		if (key_equal(table, e, hash, ikey, skey, len))
			return e;
		pos = (pos + 1) & mask;
	}
	e->hash = hash;
	if (table->text_keys)
	{
		e->used = len + 1;
		e->key.skey = arena_copy(table, skey, len);
	}
	else
	{
		e->used = 1;
		e->key.ikey = ikey;
	}
	exact_sum_init(&e->net);
	table->count++;
	return e;
}

/*
 * Adds amount * 10^-scale to a sum in its fast form, exactly as
 * exact_sum_add would (same resulting value and scale); false when the
 * fast form overflows (the sum is then unchanged).
 */
static inline bool
sum_add_scaled(ExactSum *sum, int128 v, int32 scale)
{
	return sum->big == NULL && rfm_scaled_add(&sum->scaled, &sum->scale, v, scale);
}

/*
 * One order whose amount is amount * 10^-scale (scale <= 30); the same
 * rules and result as fast_entry_add_order with the numeric it came from.
 */
/* A purchase row (amount > 0) on day: frequency and first/last purchase. */
static inline void
entry_count_purchase(FastEntry *entry, DateADT day)
{
	if (entry->frequency == 0 || day < entry->first_purchase)
		entry->first_purchase = day;
	if (entry->frequency == 0 || day > entry->last_purchase)
		entry->last_purchase = day;
	entry->frequency++;
}

static inline void
entry_add_scaled(FastEntry *entry, DateADT day, int128 amount, int32 scale, MemoryContext cxt)
{
	if (amount == 0)
		return;
	if (!sum_add_scaled(&entry->net, amount, scale))
	{
		Numeric		value = scaled_to_numeric(amount, scale);

		exact_sum_add(&entry->net, value, false, cxt);
		pfree(value);
	}
	if (amount < 0)
		return;
	entry_count_purchase(entry, day);
}

/* entry_add_scaled into a slot of table, counting a numeric-form sum */
static inline void
table_add_scaled(FastTable *table, FastEntry *e, DateADT day, int128 amount, int32 scale)
{
	Size		before = big_size(e);

	entry_add_scaled(e, day, amount, scale, table->cxt);
	if (unlikely(e->net.big != NULL))
		track_big(table, e, before);
}

static inline void
process_pending(FastTable *table, FastPending *p)
{
	FastEntry  *e = lookup_hashed(table, p->hash, p->ikey, p->key, p->keylen);

	table_add_scaled(table, e, p->day, p->amount_scaled, p->scale);
}

/*
 * Adds one order whose amount is amount * 10^-scale (0 <= scale <= 30, as
 * numeric_to_scaled gives it; integers have scale 0): queued behind a
 * prefetch of its slot, processed FAST_RING orders later (or at once when
 * the key is too long for the ring).
 */
void
fast_table_add_scaled(FastTable *table, int64 ikey, const char *skey, uint32 len,
					  DateADT day, int128 amount, int32 scale)
{
	uint32		hash = key_hash(table, ikey, skey, len);
	FastPending *p;

	if (len > FAST_RING_KEY)
	{
		table_add_scaled(table, lookup_hashed(table, hash, ikey, skey, len), day, amount, scale);
		return;
	}
	__builtin_prefetch(&table->slots[hash & (table->capacity - 1)], 1);
	p = &table->pending[table->next_pending];
	if (table->npending == FAST_RING)
		process_pending(table, p);	/* the oldest, its line fetched by now */
	else
		table->npending++;
	p->hash = hash;
	p->ikey = ikey;
	p->keylen = len;
	if (len > 0)
		memcpy(p->key, skey, len);
	p->day = day;
	p->amount_scaled = amount;
	p->scale = scale;
	table->next_pending = (table->next_pending + 1) % FAST_RING;
}

/*
 * Adds one order with a finite numeric amount: through the ring when the
 * amount has a fast form, at once (numeric arithmetic) otherwise.
 */
void
fast_table_add_order(FastTable *table, int64 ikey, const char *skey, uint32 len,
					 DateADT day, Numeric amount)
{
	int128		scaled;
	int32		scale;

	FastEntry  *e;
	Size		before;

	if (numeric_to_scaled(amount, &scaled, &scale))
	{
		fast_table_add_scaled(table, ikey, skey, len, day, scaled, scale);
		return;
	}
	e = fast_table_lookup(table, ikey, skey, len);
	before = big_size(e);
	fast_entry_add_order(e, day, amount, table->cxt);
	track_big(table, e, before);
}

/* Processes every queued order (before merging, serializing or reading). */
void
fast_table_flush(FastTable *table)
{
	int			first = (table->next_pending - table->npending + FAST_RING) % FAST_RING;

	for (int i = 0; i < table->npending; i++)
		process_pending(table, &table->pending[(first + i) % FAST_RING]);
	table->npending = 0;
	table->next_pending = 0;
}

/* One order row; same rules as rfm_state_add (rfm_state.c). */
void
fast_entry_add_order(FastEntry *entry, DateADT day, Numeric amount, MemoryContext cxt)
{
	int			sign = rfm_numeric_sign(amount);

	if (sign == 0)
		return;
	exact_sum_add(&entry->net, amount, false, cxt);
	if (sign < 0)
		return;
	entry_count_purchase(entry, day);
}

void
fast_entry_merge(FastEntry *into, const FastEntry *from, MemoryContext cxt)
{
	exact_sum_add_sum(&into->net, &from->net, cxt);
	if (from->frequency == 0)
		return;
	if (into->frequency == 0 || from->first_purchase < into->first_purchase)
		into->first_purchase = from->first_purchase;
	if (into->frequency == 0 || from->last_purchase > into->last_purchase)
		into->last_purchase = from->last_purchase;
	/* hand-made stored states can reach it (rfm._customer_states_pack) */
	if (pg_add_s64_overflow(into->frequency, from->frequency, &into->frequency))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bigint out of range")));
}

/* fast_entry_merge into a slot of table, counting a numeric-form sum */
void
fast_table_merge_entry(FastTable *table, FastEntry *target, const FastEntry *from)
{
	Size		before = big_size(target);

	fast_entry_merge(target, from, table->cxt);
	if (unlikely(target->net.big != NULL))
		track_big(table, target, before);
}

void
fast_table_merge(FastTable *into, FastTable *from)
{
	fast_table_flush(into);
	fast_table_flush(from);
	for (uint64 i = 0; i < from->capacity; i++)
	{
		FastEntry  *e = &from->slots[i];

		/* prefetch the target slot of an entry a few ahead */
		if (i + 8 < from->capacity && from->slots[i + 8].used)
			__builtin_prefetch(&into->slots[from->slots[i + 8].hash & (into->capacity - 1)], 1);
		if (!e->used)
			continue;
		CHECK_FOR_INTERRUPTS();
		fast_table_merge_entry(into, fast_table_lookup(into, e->key.ikey, e->key.skey, e->used - 1), e);
	}
}

/*
 * Serialized form (native byte order: it only travels between processes of
 * one server, never to disk): magic, version, key kind, count, then per
 * customer: key (int64, or uint32 length + bytes), first, last, frequency,
 * and the net sum (0 + int128 + scale, or 1 + numeric varlena).
 */
#define PUT(dst, val) do { memcpy((dst), &(val), sizeof(val)); (dst) += sizeof(val); } while (0)
#define GET(src, val) do { memcpy(&(val), (src), sizeof(val)); (src) += sizeof(val); } while (0)

static Size
entry_bytes(const FastTable *table, const FastEntry *e)
{
	Size		n = table->text_keys ? sizeof(uint32) + (e->used - 1) : sizeof(int64);

	n += 2 * sizeof(DateADT) + sizeof(int64) + 1;
	n += e->net.big ? sizeof(uint32) + VARSIZE(e->net.big) : sizeof(int128) + sizeof(int32);
	return n;
}

/* One customer in the serialized form at p; returns the end. */
static char *
put_entry(char *p, const FastTable *table, const FastEntry *e)
{
	uint8		big;

	if (table->text_keys)
	{
		uint32		len = e->used - 1;

		PUT(p, len);
		memcpy(p, e->key.skey, len);
		p += len;
	}
	else
		PUT(p, e->key.ikey);
	PUT(p, e->first_purchase);
	PUT(p, e->last_purchase);
	PUT(p, e->frequency);
	big = e->net.big != NULL;
	PUT(p, big);
	if (big)
	{
		uint32		len = VARSIZE(e->net.big);

		PUT(p, len);
		memcpy(p, e->net.big, len);
		p += len;
	}
	else
	{
		PUT(p, e->net.scaled);
		PUT(p, e->net.scale);
	}
	return p;
}

#define SERIAL_HEADER	(VARHDRSZ + 2 * sizeof(uint32) + sizeof(uint64))

/*
 * The customers of slots [*from, to) in serialized form, as many as fit
 * limit bytes (at least one); *from is moved past them.
 */
static bytea *
serialize_slots(FastTable *table, uint64 *from, uint64 to, Size limit)
{
	Size		total = SERIAL_HEADER;
	uint64		end = *from;
	uint64		count = 0;
	bytea	   *result;
	char	   *p;
	uint32		magic = SERIAL_MAGIC;
	uint32		kind = (SERIAL_VERSION << 8) | (table->text_keys ? 1 : 0);

	for (; end < to; end++)
	{
		Size		n;

		if (!table->slots[end].used)
			continue;
		n = entry_bytes(table, &table->slots[end]);
		if (count > 0 && total + n > limit)
			break;
		total += n;
		count++;
	}
	result = (bytea *) palloc(total);
	SET_VARSIZE(result, total);
	p = VARDATA(result);
	PUT(p, magic);
	PUT(p, kind);
	PUT(p, count);
	for (uint64 i = *from; i < end; i++)
		if (table->slots[i].used)
			p = put_entry(p, table, &table->slots[i]);
	Assert(p == (char *) result + total);
	*from = end;
	return result;
}

bytea *
fast_table_serialize(FastTable *table)
{
	Size		total = SERIAL_HEADER;
	uint64		from = 0;

	fast_table_flush(table);
	for (uint64 i = 0; i < table->capacity; i++)
		if (table->slots[i].used)
			total += entry_bytes(table, &table->slots[i]);
	/* (less 64 bytes: a worker sends it inside a tuple, with a header) */
	if (total > MaxAllocSize - 64)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rfm: %llu customers do not fit one state value (%zu MB, the limit is 1 GB)",
						(unsigned long long) table->count, total / (1024 * 1024)),
				 errhint("Build per customer range (a view with a WHERE clause on the customer), "
						 "or use rfm.summarize with GROUP BY.")));
	return serialize_slots(table, &from, table->capacity, total);
}

bytea *
fast_table_serialize_part(FastTable *table, uint64 *next_slot, Size limit)
{
	fast_table_flush(table);
	if (*next_slot >= table->capacity)
		return NULL;
	return serialize_slots(table, next_slot, table->capacity, limit);
}

void
fast_state_corrupt(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("rfm: invalid customer state value"),
			 errhint("Customer state values come only from rfm._customer_states; do not build them by hand.")));
}

#define corrupt() fast_state_corrupt()

/*
 * A row of rfm.customer_states that no fold could have written (its owner
 * may edit it): scoring it would give recency and frequency no order gave.
 * The errors name the customer (key, keylen: its text; NULL when the key
 * is NULL), which is all a scheduled refresh's log keeps: the row to mend
 * or the reason to rebuild.  days_null: a purchase day is NULL (read only
 * when frequency > 0).  The checks of rfm._customer_states_pack, in its
 * order; caller names the amount's error.
 */
void
fast_check_stored_state(const char *key, size_t keylen, bool fields_null, int64 frequency,
						bool days_null, DateADT first_purchase, DateADT last_purchase,
						Numeric monetary, const char *caller)
{
	const char *why = NULL;
	int			code = ERRCODE_DATA_CORRUPTED;

	if (fields_null)
	{
		code = ERRCODE_NULL_VALUE_NOT_ALLOWED;
		why = "has a NULL customer, frequency or monetary";
	}
	else if (frequency > 0 && days_null)
	{
		code = ERRCODE_NULL_VALUE_NOT_ALLOWED;
		why = "with purchases has no purchase dates";
	}
	else if (frequency < 0)
		why = "has a negative frequency";
	else if (frequency > 0 && (DATE_NOT_FINITE(first_purchase) || DATE_NOT_FINITE(last_purchase)))
		why = "has an infinite purchase day";
	else if (frequency > 0 && first_purchase > last_purchase)
		why = "has a first purchase after its last";
	if (why)
		ereport(ERROR,
				(errcode(code),
				 errmsg("rfm: a stored customer state %s%s%s%s", why,
						key ? " (" : "", key ? rfm_order_text(0, key, keylen, DATEVAL_NOEND) : "", key ? ")" : ""),
				 errhint("Rebuild the state with rfm.customer_state_rebuild.")));
	if (!rfm_numeric_is_finite(monetary))
		rfm_check_finite_amount(monetary, caller, rfm_order_text(0, key, keylen, DATEVAL_NOEND));
}

/* The fewest bytes a serialized customer takes: an empty text key, a big sum of no digits. */
#define MIN_ENTRY_BYTES \
	(sizeof(uint32) + 2 * sizeof(DateADT) + sizeof(int64) + 1 + sizeof(uint32) + VARHDRSZ + sizeof(uint16))

void
fast_reader_init(FastReader *reader, bytea *bytes, bool verify)
{
	uint32		magic;
	uint32		kind;

	reader->pos = VARDATA_ANY(bytes);
	reader->end = reader->pos + VARSIZE_ANY_EXHDR(bytes);
	reader->verify = verify;
	if (reader->end - reader->pos < (ptrdiff_t) (2 * sizeof(uint32) + sizeof(uint64)))
		corrupt();
	GET(reader->pos, magic);
	GET(reader->pos, kind);
	GET(reader->pos, reader->count);
	if (magic != SERIAL_MAGIC || (kind >> 8) != SERIAL_VERSION || (kind & 0xff) > 1)
		corrupt();
	/* callers size arrays by the count: it must be one the bytes can hold */
	if (reader->count > (uint64) (reader->end - reader->pos) / MIN_ENTRY_BYTES)
		corrupt();
	reader->left = reader->count;
	reader->text_keys = (kind & 0xff) == 1;
}

#define NEED(r, n) do { if ((Size) ((r)->end - (r)->pos) < (Size) (n)) corrupt(); } while (0)

/*
 * A purchase day a fold can produce: a date of the calendar, or up to 7
 * days before its first (4714-11-24 BC), which is what ::date gives for
 * the earliest timestamptz in a zone west of UTC (offsets reach 167 h;
 * the cast does not check the range date's input does).
 */
static inline bool
fold_day_ok(DateADT day)
{
	return day >= (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) - 7 &&
		day < (DATE_END_JULIAN - POSTGRES_EPOCH_JDATE);
}

/*
 * What serialize_slots can write and nothing else: a key in the database
 * encoding, rows >= 0, purchase days of a real calendar in order when
 * there are rows (none kept otherwise), a scale the fast form keeps, a
 * finite numeric of exactly its stated length.
 */
static void
verify_entry(FastEntry *e, uint32 keylen, bool text_keys)
{
	if (text_keys && !pg_verifymbstr(e->key.skey, keylen, true))
		corrupt();
	if (e->frequency < 0)
		corrupt();
	if (e->frequency > 0)
	{
		if (!fold_day_ok(e->first_purchase) || !fold_day_ok(e->last_purchase) ||
			e->first_purchase > e->last_purchase)
			corrupt();
	}
	else
		e->first_purchase = e->last_purchase = 0;
	if (e->net.big == NULL && (e->net.scale < 0 || e->net.scale > RFM_MAX_FAST_SCALE))
		corrupt();
}

/* Next customer; text keys and big sums point into (or are copied from) the value. */
bool
fast_reader_next(FastReader *reader, FastEntry *e, uint32 *keylen)
{
	uint8		big;

	if (reader->left == 0)
	{
		if (reader->pos != reader->end)
			corrupt();			/* more customers than the count */
		return false;
	}
	reader->left--;
	memset(e, 0, sizeof(FastEntry));
	if (reader->text_keys)
	{
		NEED(reader, sizeof(uint32));
		GET(reader->pos, *keylen);
		NEED(reader, *keylen);
		e->key.skey = (char *) reader->pos;
		reader->pos += *keylen;
		e->used = *keylen + 1;
	}
	else
	{
		NEED(reader, sizeof(int64));
		GET(reader->pos, e->key.ikey);
		*keylen = 0;
		e->used = 1;
	}
	NEED(reader, 2 * sizeof(DateADT) + sizeof(int64) + 1);
	GET(reader->pos, e->first_purchase);
	GET(reader->pos, e->last_purchase);
	GET(reader->pos, e->frequency);
	GET(reader->pos, big);
	if (big > 1)
		corrupt();
	if (big)
	{
		uint32		len;

		NEED(reader, sizeof(uint32));
		GET(reader->pos, len);
		NEED(reader, len);
		if (len < VARHDRSZ)
			corrupt();
		e->net.big = (Numeric) palloc(len);		/* aligned copy */
		memcpy(e->net.big, reader->pos, len);
		reader->pos += len;
		/* its own header must agree, or numeric.c reads past it */
		if (reader->verify &&
			(!VARATT_IS_4B_U(e->net.big) || VARSIZE(e->net.big) != len ||
			 !rfm_numeric_valid_finite(VARDATA(e->net.big), len - VARHDRSZ)))
			corrupt();
	}
	else
	{
		NEED(reader, sizeof(int128) + sizeof(int32));
		GET(reader->pos, e->net.scaled);
		GET(reader->pos, e->net.scale);
	}
	if (reader->verify)
		verify_entry(e, *keylen, reader->text_keys);
	return true;
}

/* A customer's key in a state value, for fast_check_unique_keys. */
typedef struct KeyRef
{
	const char *skey;			/* text keys: into the value */
	int64		ikey;
	uint32		len;
} KeyRef;

static int
compare_key_refs(const void *a, const void *b)
{
	const KeyRef *x = a;
	const KeyRef *y = b;
	int			c;

	if (x->skey == NULL)
		return (x->ikey > y->ikey) - (x->ikey < y->ikey);
	c = memcmp(x->skey, y->skey, Min(x->len, y->len));
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * "invalid customer state value" when two customers of a value passed in
 * SQL have the same key, which no fold writes (rfm._customer_states_rows
 * and _score returned the customer twice).  Reads the value once more and
 * sorts its keys: for the functions that take values from outside and do
 * not sort them anyway.
 */
void
fast_check_unique_keys(bytea *bytes)
{
	FastReader	reader;
	FastEntry	e;
	uint32		keylen;
	KeyRef	   *refs;
	uint64		n = 0;

	fast_reader_init(&reader, bytes, true);
	refs = MemoryContextAllocHuge(CurrentMemoryContext, Max(reader.count, 1) * sizeof(KeyRef));
	while (fast_reader_next(&reader, &e, &keylen))
	{
		refs[n].skey = reader.text_keys ? e.key.skey : NULL;
		refs[n].ikey = reader.text_keys ? 0 : e.key.ikey;
		refs[n].len = keylen;
		if (e.net.big)
			pfree(e.net.big);
		n++;
	}
	qsort(refs, n, sizeof(KeyRef), compare_key_refs);
	for (uint64 i = 1; i < n; i++)
		if (compare_key_refs(&refs[i - 1], &refs[i]) == 0)
			corrupt();
	pfree(refs);
}

FastTable *
fast_table_deserialize(bytea *bytes, MemoryContext cxt)
{
	FastReader	reader;
	FastTable  *table;

	fast_reader_init(&reader, bytes, false);	/* a parallel worker's own part */
	table = fast_table_create(cxt, reader.text_keys);
	/* size for the known count at once instead of doubling */
	fast_table_reserve(table, reader.count);
	fast_table_merge_serialized(table, bytes);
	return table;
}

/*
 * Merges serialized customers (a worker's part) into table; returns how
 * many.  Slots are
 * prefetched a few customers ahead, as for orders.
 */
#define MERGE_RING	8

uint64
fast_table_merge_serialized(FastTable *table, bytea *bytes)
{
	FastReader	reader;
	FastEntry	ring[MERGE_RING];
	uint32		keylens[MERGE_RING];
	int			head = 0;
	int			n = 0;
	bool		more = true;

	fast_reader_init(&reader, bytes, false);	/* a parallel worker's own part */
	if (reader.text_keys != table->text_keys)
		corrupt();
	fast_table_flush(table);
	while (more || n > 0)
	{
		if (more)
		{
			int			tail = (head + n) % MERGE_RING;
			FastEntry  *e = &ring[tail];

			more = fast_reader_next(&reader, e, &keylens[tail]);
			if (more)
			{
				e->hash = key_hash(table, e->key.ikey, e->key.skey, keylens[tail]);
				__builtin_prefetch(&table->slots[e->hash & (table->capacity - 1)], 1);
				n++;
			}
		}
		if (n == MERGE_RING || (!more && n > 0))
		{
			FastEntry  *e = &ring[head];

			CHECK_FOR_INTERRUPTS();
			fast_table_merge_entry(table, lookup_hashed(table, e->hash, e->key.ikey, e->key.skey, keylens[head]), e);
			if (e->net.big)
				pfree(e->net.big);
			head = (head + 1) % MERGE_RING;
			n--;
		}
	}
	return reader.count;
}
