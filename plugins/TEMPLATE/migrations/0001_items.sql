-- TEMPLATE: the module's own schema and its first table. A migration never
-- changes once shipped: add 0002_....sql instead.
CREATE SCHEMA sample;
GRANT USAGE ON SCHEMA sample TO cabildo_app;

CREATE TABLE sample.items (
  tenant_id   uuid        NOT NULL REFERENCES core.tenants (id),
  id          uuid        NOT NULL DEFAULT gen_random_uuid(),
  title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text        NOT NULL DEFAULT '',
  published   boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX items_sync ON sample.items (tenant_id, updated_at, id);
-- Row-level security with the standard tenant policy, in one call.
SELECT core.enable_tenant_rls('sample.items');
-- No DELETE: a deletion is a tombstone (deleted_at) offline apps can sync.
GRANT SELECT, INSERT, UPDATE ON sample.items TO cabildo_app;
