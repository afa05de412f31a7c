-- The example module's own schema, with row-level security like every
-- tenant-scoped table.
CREATE SCHEMA example;
GRANT USAGE ON SCHEMA example TO cabildo_app;

CREATE TABLE example.notes (
  tenant_id  uuid        NOT NULL REFERENCES core.tenants (id),
  id         uuid        NOT NULL DEFAULT gen_random_uuid(),
  title      text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body       text        NOT NULL DEFAULT '',
  published  boolean     NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
ALTER TABLE example.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE example.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON example.notes
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
GRANT SELECT, INSERT, UPDATE ON example.notes TO cabildo_app;
