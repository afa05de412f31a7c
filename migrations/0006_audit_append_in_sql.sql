-- The audit append, done inside PostgreSQL under the chain head's row lock.
-- The entry takes whatever seq and hash the head has once the lock is held,
-- its time is read then, and its hash is computed here; so appends from any
-- number of writers and replicas queue on that row lock alone, in whatever
-- order they arrive, and never have to be redone. The server sends this call
-- in the same round trip as its COMMIT, so the lock is held only while
-- PostgreSQL works.
--
-- The canonical text hashed is the JSON object of CanonicalAuditEntry
-- (core/src/audit/audit.cc) with its keys sorted; the server sends it in
-- three pieces around the two values only known here:
--   before_at || "<at>" || before_seq || <seq> || after_seq
CREATE FUNCTION core.audit_append(
  p_tenant_id uuid, p_actor_id uuid, p_actor text, p_action text, p_entity text,
  p_entity_id text, p_changes text,
  p_before_at text, p_before_seq text, p_after_seq text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  head core.audit_heads%ROWTYPE;
  at timestamptz;
  at_text text;
  entry_hash text;
BEGIN
  SELECT * INTO head FROM core.audit_heads WHERE tenant_id = p_tenant_id FOR UPDATE;
  IF NOT FOUND THEN  -- the chain's first entry
    INSERT INTO core.audit_heads AS h (tenant_id, seq, hash)
      VALUES (p_tenant_id, 0, repeat('0', 64))
      ON CONFLICT (tenant_id) DO UPDATE SET seq = h.seq
      RETURNING h.* INTO head;
  END IF;
  at := clock_timestamp();
  at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  entry_hash := encode(sha256(convert_to(
      head.hash || p_before_at || '"' || at_text || '"' || p_before_seq || (head.seq + 1)::text
        || p_after_seq, 'UTF8')), 'hex');
  INSERT INTO core.audit_log (tenant_id, seq, at, actor_id, actor, action, entity, entity_id,
                              changes, prev_hash, hash)
    VALUES (p_tenant_id, head.seq + 1, at, p_actor_id, p_actor, p_action, p_entity, p_entity_id,
            p_changes, head.hash, entry_hash);
  UPDATE core.audit_heads SET seq = head.seq + 1, hash = entry_hash WHERE tenant_id = p_tenant_id;
  RETURN head.seq + 1;
END
$$;
GRANT EXECUTE ON FUNCTION core.audit_append(uuid, uuid, text, text, text, text, text, text, text, text)
  TO cabildo_app;

-- No append is redone any more (0005).
DROP FUNCTION core.audit_chain_moved();
