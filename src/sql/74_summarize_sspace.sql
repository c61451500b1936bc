-- rfm.summarize's state since 0.2.0 (src/rfm_state.h): one chunk per
-- customer, 64 bytes (one purchase day) or 128 (up to 17 days) plus the
-- allocator's 16-byte header; 144 is a customer with a few purchase days.
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
