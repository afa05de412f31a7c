-- The instance's own audit chain, for events that belong to no tenant: the
-- lockout of an account that holds no tenant role (issue 15, item 11), which
-- no tenant's chain would otherwise record. Hashed exactly as the tenant
-- chains (0006), with the text "instance" in place of the tenant id; the
-- first entry follows 64 zeros. A transaction-scoped advisory lock orders the
-- appenders of every replica.
CREATE TABLE core.instance_audit_log (
  seq       bigint      PRIMARY KEY CHECK (seq > 0),
  at        timestamptz NOT NULL,
  actor_id  uuid,
  actor     text        NOT NULL,
  action    text        NOT NULL,
  entity    text        NOT NULL,
  entity_id text        NOT NULL,
  changes   text        NOT NULL,  -- canonical JSON text, exactly as hashed
  prev_hash text        NOT NULL,
  hash      text        NOT NULL
);

CREATE FUNCTION core.instance_audit_append(
  p_actor_id uuid, p_actor text, p_action text, p_entity text, p_entity_id text, p_changes text,
  p_before_at text, p_before_seq text, p_after_seq text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  at timestamptz;
  at_text text;
  entry_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('core.instance_audit_log'));
  SELECT seq, hash INTO last_seq, last_hash FROM core.instance_audit_log ORDER BY seq DESC LIMIT 1;
  last_seq := coalesce(last_seq, 0);
  last_hash := coalesce(last_hash, repeat('0', 64));
  at := clock_timestamp();
  at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  entry_hash := encode(sha256(convert_to(
      last_hash || p_before_at || '"' || at_text || '"' || p_before_seq || (last_seq + 1)::text
        || p_after_seq, 'UTF8')), 'hex');
  INSERT INTO core.instance_audit_log (seq, at, actor_id, actor, action, entity, entity_id,
                                       changes, prev_hash, hash)
    VALUES (last_seq + 1, at, p_actor_id, p_actor, p_action, p_entity, p_entity_id, p_changes,
            last_hash, entry_hash);
  RETURN last_seq + 1;
END
$$;
-- Append-only for the application, as the tenant chains.
GRANT SELECT, INSERT ON core.instance_audit_log TO cabildo_app;
GRANT EXECUTE ON FUNCTION core.instance_audit_append(uuid, text, text, text, text, text, text, text, text)
  TO cabildo_app;
