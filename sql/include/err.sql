-- Shared by the bad-input tests (\i sql/include/err.sql): runs a query and
-- returns its one value, or 'SQLSTATE: message' when it fails, so an
-- expected error and its code appear in the output without ending the file.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE q INTO r;
    RETURN coalesce(r, '(null)');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
