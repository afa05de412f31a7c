-- A tenant's life after its creation (issue 23, point 4; api-core.md
-- "Tenant lifecycle"): suspended and resumed, and deleted with every row it
-- holds.
--
-- Suspension: a suspended tenant (suspended_at set) answers every write with
-- 423; reads go on. Expand-only: nullable columns, so a binary of the
-- previous release keeps working on this schema. suspended_by has no foreign
-- key to core.users on purpose: a tenant archive imported into another
-- instance (where that user need not exist) keeps it as a plain record, as
-- the audit chains keep actor ids.
ALTER TABLE core.tenants
  ADD COLUMN suspended_at     timestamptz,
  ADD COLUMN suspended_reason text,
  ADD COLUMN suspended_by     uuid,
  ADD CONSTRAINT tenants_suspension_check CHECK (
    (suspended_at IS NULL AND suspended_reason IS NULL AND suspended_by IS NULL)
    OR (suspended_at IS NOT NULL AND char_length(btrim(suspended_reason)) BETWEEN 1 AND 500));

GRANT UPDATE (suspended_at, suspended_reason, suspended_by) ON core.tenants TO cabildo_app;

-- Who may suspend and resume: an admin of an ancestor (the role at the
-- tenant itself is not enough: a municipality does not lift its own
-- suspension), or the instance admin.
INSERT INTO core.permissions (name, module, description) VALUES
  ('core.tenant.suspend', 'core', 'Suspender y reanudar los tenants descendientes');
INSERT INTO core.role_permissions (role, permission) VALUES ('admin', 'core.tenant.suspend');

-- Deletion. The application role may delete none of these rows itself (the
-- audit chains are append-only for it): it may only call this function,
-- which removes every row of one tenant, then the tenant. `tables` are the
-- tenant-scoped tables (LoadTenantTables, core/include/cabildo/core/tenant_tables.h)
-- in the order to delete them, children first; the function refuses any
-- list that is not exactly the set of tables with a `tenant_id uuid` column
-- (the rule LoadTenantTables applies), so it can neither miss a table nor
-- be pointed at another one. The caller checks children (409) and writes
-- the instance's audit entry in the same transaction. Answers the rows
-- deleted per table.
CREATE FUNCTION core.delete_tenant(p_tenant uuid, p_tables regclass[]) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  expected oid[];
  given oid[];
  tbl regclass;
  deleted bigint;
  counts jsonb := '{}'::jsonb;
BEGIN
  SELECT coalesce(array_agg(c.oid ORDER BY c.oid), '{}') INTO expected
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
      AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_%' AND c.oid <> 'core.tenants'::regclass;
  SELECT coalesce(array_agg(t::oid ORDER BY t::oid), '{}') INTO given FROM unnest(p_tables) t;
  IF given IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'core.delete_tenant: the tables given are not the tenant tables';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM core.tenants WHERE id = p_tenant) THEN
    RAISE EXCEPTION 'core.delete_tenant: no tenant %', p_tenant;
  END IF;
  -- Row-level security binds this function's owner too (FORCE): the rows
  -- are reachable only within the tenant's scope.
  PERFORM set_config('cabildo.tenant_ids', p_tenant::text, true);
  FOREACH tbl IN ARRAY p_tables LOOP
    -- regclass prints as a quoted, schema-qualified name: %s is safe here.
    EXECUTE format('DELETE FROM %s WHERE tenant_id = $1', tbl) USING p_tenant;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    counts := counts || jsonb_build_object(tbl::text, deleted);
  END LOOP;
  DELETE FROM core.tenants WHERE id = p_tenant;
  RETURN counts;
END
$$;
REVOKE ALL ON FUNCTION core.delete_tenant(uuid, regclass[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.delete_tenant(uuid, regclass[]) TO cabildo_app;
