-- Seeded pseudo-random numbers that are the same on every PostgreSQL
-- version: random() changed generators in 15, so data made with setseed()
-- and random() differs between 14 and 15 (scripts/check-versions.sh runs
-- these tests on 13 to 18).  pg_temp.setseed(s) restarts a count;
-- pg_temp.random() hashes the seed and the next count (md5 is the same
-- everywhere) into [0, 1).  The calls are numbered in the order a query
-- evaluates them, as random()'s are; nextval keeps the function out of
-- parallel workers, so that order is the plan's, every time.
CREATE TEMP SEQUENCE portable_random_calls;
CREATE FUNCTION pg_temp.setseed(seed float8) RETURNS void LANGUAGE sql AS $$
  SELECT pg_catalog.set_config('rfm_test.seed', seed::text, false);
  SELECT pg_catalog.setval('pg_temp.portable_random_calls', 1, false);
  SELECT $$;
CREATE FUNCTION pg_temp.random() RETURNS float8 LANGUAGE sql VOLATILE AS $$
  SELECT ('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.current_setting('rfm_test.seed') || ':' ||
                                                  pg_catalog.nextval('pg_temp.portable_random_calls')), 1, 13))::bit(52)::bigint::float8
         / 4503599627370496.0 $$;
