-- Row-level security for a tenant-scoped table in one call, so a module's
-- migration cannot forget half of it (architecture.md "Tenancy"):
--
--   SELECT core.enable_tenant_rls('procedures.procedures');
--
-- enables and forces row-level security (FORCE: the owner role that runs the
-- migrations and the demo data is bound too) and sets the standard policy
-- `tenant_isolation`: a row is visible and writable only when its tenant_id
-- is one of the tenants the request was authorised for
-- (core.current_tenant_ids(), which the application role may execute). The
-- list is wrapped in a scalar subquery so PostgreSQL computes it once per
-- statement instead of once per row (public_works 0003 measured 49 s -> 11 s).
-- Calling it again is harmless: the policy is replaced by the standard one.
-- It grants nothing: the module grants cabildo_app the privileges the table
-- needs (e.g. SELECT, INSERT only for an append-only table).
CREATE FUNCTION core.enable_tenant_rls(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                 WHERE attrelid = tbl AND attname = 'tenant_id' AND NOT attisdropped
                   AND atttypid = 'uuid'::regtype) THEN
    RAISE EXCEPTION 'core.enable_tenant_rls: % has no tenant_id uuid column', tbl;
  END IF;
  -- regclass prints as a quoted, schema-qualified name: %s is safe here.
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s '
                 'USING (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[])) '
                 'WITH CHECK (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[]))',
                 tbl);
END
$$;
-- For migrations (run by the owner role) only, never for the application.
REVOKE EXECUTE ON FUNCTION core.enable_tenant_rls(regclass) FROM PUBLIC;
