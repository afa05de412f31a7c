-- Modules enabled per tenant, with their configuration (architecture.md, "Plugins").
-- Disabling keeps the row (and the module's data); enabling again brings it back.
CREATE TABLE core.tenant_modules (
  tenant_id  uuid        NOT NULL REFERENCES core.tenants (id),
  module     text        NOT NULL CHECK (module ~ '^[a-z][a-z0-9-]{1,62}$'),
  enabled    boolean     NOT NULL DEFAULT true,
  config     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, module)
);
ALTER TABLE core.tenant_modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.tenant_modules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.tenant_modules
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
GRANT SELECT, INSERT, UPDATE (enabled, config, updated_at) ON core.tenant_modules TO cabildo_app;
