-- rfm.summarize's state since 0.2.0 (src/rfm_state.h): one chunk per
-- customer, 128 bytes (up to 17 purchase days) plus the allocator's
-- 16-byte chunk header; more days double the chunk.
-- Only SSPACE changes (the planner's hash-aggregate memory estimate);
-- 0.1.0's definition said 304.
CREATE OR REPLACE AGGREGATE rfm.summarize(ordered_at date, amount numeric) (
    SFUNC        = rfm._summarize_trans,
    STYPE        = internal,
    SSPACE       = 144,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);

CREATE OR REPLACE AGGREGATE rfm.summarize(ordered_at timestamptz, amount numeric) (
    SFUNC        = rfm._summarize_trans,
    STYPE        = internal,
    SSPACE       = 144,
    FINALFUNC    = rfm._summarize_final,
    COMBINEFUNC  = rfm._summarize_combine,
    SERIALFUNC   = rfm._summarize_serialize,
    DESERIALFUNC = rfm._summarize_deserialize,
    PARALLEL     = SAFE
);
