-- A second test module, to show that two modules' migrations and permissions
-- stay apart (own schema, own version track, own grants).
CREATE SCHEMA memo;
GRANT USAGE ON SCHEMA memo TO cabildo_app;
CREATE TABLE memo.memos (
  tenant_id uuid NOT NULL REFERENCES core.tenants (id),
  id        uuid NOT NULL DEFAULT gen_random_uuid(),
  text      text NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE memo.memos ENABLE ROW LEVEL SECURITY;
ALTER TABLE memo.memos FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memo.memos
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
GRANT SELECT, INSERT ON memo.memos TO cabildo_app;
