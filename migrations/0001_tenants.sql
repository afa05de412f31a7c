-- Core schema and the tenant tree (architecture.md, "Tenancy").
--
-- Roles: the owner role running this file owns every table; the application
-- connects as a member of `cabildo_app`, which owns nothing and only gets the
-- grants below. Operators create both roles (scripts/services does locally).

CREATE SCHEMA core;
GRANT USAGE ON SCHEMA core TO cabildo_app;

CREATE TABLE core.tenants (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,63}$'),
  name        text        NOT NULL CHECK (btrim(name) <> ''),
  kind        text        NOT NULL CHECK (kind IN ('state', 'municipality', 'agency')),
  parent_id   uuid        REFERENCES core.tenants (id),
  inegi_code  text        UNIQUE CHECK (inegi_code ~ '^[0-9]{2}([0-9]{3})?$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS DISTINCT FROM id),
  CHECK ((kind = 'state') = (parent_id IS NULL))
);
CREATE INDEX tenants_parent_idx ON core.tenants (parent_id);

COMMENT ON TABLE core.tenants IS
  'The tenant tree: states, municipalities and agencies. Public directory, not tenant-scoped.';

-- The tenant directory is public; writes go through the owner role
-- (cabildo tenants apply) until the identity issue adds audited API writes.
GRANT SELECT ON core.tenants TO cabildo_app;
