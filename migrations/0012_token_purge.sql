-- Expired tokens are purged (issue 23: an instance runs for years, and every
-- login adds two rows to core.tokens and one to core.token_families).
--
-- The application role gets no DELETE on the token tables: it may only call
-- this function, which removes nothing but tokens expired for longer than
-- `grace_seconds` and the families left without tokens, at most `batch` of
-- each per call. A rotated refresh token is kept until it expires, so a
-- replay inside its lifetime is still seen as reuse (0002).
CREATE INDEX tokens_expires_idx ON core.tokens (expires_at);

CREATE FUNCTION core.purge_expired_tokens(grace_seconds integer, batch integer,
                                          OUT tokens integer, OUT families integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF grace_seconds < 0 OR batch < 1 OR batch > 10000 THEN
    RAISE EXCEPTION 'purge_expired_tokens: grace_seconds >= 0 and batch in 1..10000';
  END IF;
  WITH doomed AS (
    SELECT hash FROM core.tokens
    WHERE expires_at < now() - make_interval(secs => grace_seconds)
    LIMIT batch FOR UPDATE SKIP LOCKED)
  DELETE FROM core.tokens t USING doomed WHERE t.hash = doomed.hash;
  GET DIAGNOSTICS tokens = ROW_COUNT;
  -- A family younger than the grace may still be getting its first tokens.
  WITH doomed AS (
    SELECT f.id FROM core.token_families f
    WHERE f.created_at < now() - make_interval(secs => grace_seconds)
      AND NOT EXISTS (SELECT 1 FROM core.tokens t WHERE t.family_id = f.id)
    LIMIT batch FOR UPDATE SKIP LOCKED)
  DELETE FROM core.token_families f USING doomed WHERE f.id = doomed.id;
  GET DIAGNOSTICS families = ROW_COUNT;
END;
$$;
REVOKE ALL ON FUNCTION core.purge_expired_tokens(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.purge_expired_tokens(integer, integer) TO cabildo_app;
