-- Raised by an audit append that is sent together with its COMMIT (one round
-- trip, so the chain head's row lock is never held across the network) when
-- the head is no longer the entry that append was linked to: another writer
-- appended first, or the append it followed rolled back. Nothing commits; the
-- server runs the unit of work again, reading the head this time.
CREATE FUNCTION core.audit_chain_moved() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'la cadena de auditoría avanzó' USING ERRCODE = 'CB001';
END
$$;
GRANT EXECUTE ON FUNCTION core.audit_chain_moved() TO cabildo_app;
