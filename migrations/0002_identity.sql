-- Identity, roles, permissions, tenant isolation and the audit chain
-- (architecture.md: "Identity, roles, permissions", "Tenancy", "Audit").

-- The tenants the current transaction was authorised for, from
-- `SELECT set_config('cabildo.tenant_ids', '<uuid>,<uuid>', true)`. Not set, or
-- set to '' on a pooled connection, means no tenant at all: zero rows, never
-- an error and never every row (stack-notes.md).
CREATE FUNCTION core.current_tenant_ids() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    string_to_array(nullif(current_setting('cabildo.tenant_ids', true), ''), ',')::uuid[],
    '{}'::uuid[])
$$;

-- The signed-in user of the current transaction, if any.
CREATE FUNCTION core.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('cabildo.user_id', true), '')::uuid
$$;

GRANT EXECUTE ON FUNCTION core.current_tenant_ids(), core.current_user_id() TO cabildo_app;

-- Users are instance-wide, not tenant-scoped.
CREATE TABLE core.users (
  id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  email             text        NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
  name              text        NOT NULL CHECK (btrim(name) <> ''),
  password_hash     text        NOT NULL,
  is_instance_admin boolean     NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE (name, password_hash, updated_at) ON core.users TO cabildo_app;

-- Opaque tokens: only SHA-256 hashes are stored. A family is one login and
-- every refresh rotated from it; revoking the family kills all of them.
CREATE TABLE core.token_families (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid        NOT NULL REFERENCES core.users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX token_families_user_idx ON core.token_families (user_id);

CREATE TABLE core.tokens (
  hash       text        PRIMARY KEY,
  kind       text        NOT NULL CHECK (kind IN ('access', 'refresh')),
  family_id  uuid        NOT NULL REFERENCES core.token_families (id),
  user_id    uuid        NOT NULL REFERENCES core.users (id),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,  -- refresh tokens: rotated; presenting it again is reuse
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_family_idx ON core.tokens (family_id);
GRANT SELECT, INSERT, UPDATE (revoked_at) ON core.token_families TO cabildo_app;
GRANT SELECT, INSERT, UPDATE (used_at) ON core.tokens TO cabildo_app;

-- Permissions `<module>.<object>.<verb>` and roles as data, so plugins add
-- their own permissions and default grants.
CREATE TABLE core.permissions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]*\.[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*$'),
  module      text NOT NULL,
  description text NOT NULL
);
CREATE TABLE core.roles (
  name        text PRIMARY KEY,
  description text NOT NULL,
  assignable  boolean NOT NULL DEFAULT true  -- instance_admin is not: it is a user flag
);
CREATE TABLE core.role_permissions (
  role       text NOT NULL REFERENCES core.roles (name),
  permission text NOT NULL REFERENCES core.permissions (name),
  PRIMARY KEY (role, permission)
);
GRANT SELECT ON core.permissions, core.roles, core.role_permissions TO cabildo_app;

INSERT INTO core.roles (name, description, assignable) VALUES
  ('instance_admin', 'Administra toda la instancia', false),
  ('admin',    'Administra el tenant y sus descendientes', true),
  ('editor',   'Crea y edita contenido de los módulos', true),
  ('reviewer', 'Revisa contenido antes de publicarlo', true),
  ('auditor',  'Lee todo, incluida la bitácora de auditoría', true),
  ('citizen',  'Cualquier persona con cuenta', false);

INSERT INTO core.permissions (name, module, description) VALUES
  ('core.tenant.create', 'core', 'Crear tenants hijos'),
  ('core.tenant.update', 'core', 'Editar nombre y clave INEGI del tenant'),
  ('core.member.read',   'core', 'Ver los miembros y sus roles'),
  ('core.member.write',  'core', 'Asignar y quitar roles'),
  ('core.module.manage', 'core', 'Habilitar y configurar módulos'),
  ('core.audit.read',    'core', 'Leer y verificar la bitácora de auditoría');

INSERT INTO core.role_permissions (role, permission)
  SELECT 'admin', name FROM core.permissions WHERE module = 'core';
INSERT INTO core.role_permissions (role, permission) VALUES ('auditor', 'core.audit.read');

-- A role assignment applies to its tenant and every descendant.
CREATE TABLE core.role_assignments (
  tenant_id  uuid        NOT NULL REFERENCES core.tenants (id),
  user_id    uuid        NOT NULL REFERENCES core.users (id),
  role       text        NOT NULL REFERENCES core.roles (name),
  granted_by uuid        REFERENCES core.users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, role)
);
CREATE INDEX role_assignments_user_idx ON core.role_assignments (user_id);
ALTER TABLE core.role_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.role_assignments FORCE ROW LEVEL SECURITY;
-- Visible within the authorised tenants; a user also sees their own roles
-- everywhere (that is how authorisation and /v1/me read them).
CREATE POLICY tenant_isolation ON core.role_assignments
  USING (tenant_id = ANY (core.current_tenant_ids()) OR user_id = core.current_user_id())
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
GRANT SELECT, INSERT, DELETE ON core.role_assignments TO cabildo_app;

-- The audit log: per tenant, append-only, hash-chained. `audit_heads` holds
-- each chain's last seq and hash; appenders lock it, which serialises appends
-- per tenant and keeps seq gap-free.
CREATE TABLE core.audit_log (
  tenant_id uuid        NOT NULL REFERENCES core.tenants (id),
  seq       bigint      NOT NULL CHECK (seq > 0),
  at        timestamptz NOT NULL,
  actor_id  uuid,
  actor     text        NOT NULL,
  action    text        NOT NULL,
  entity    text        NOT NULL,
  entity_id text        NOT NULL,
  changes   text        NOT NULL,  -- canonical JSON text, exactly as hashed
  prev_hash text        NOT NULL,
  hash      text        NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE TABLE core.audit_heads (
  tenant_id uuid   PRIMARY KEY REFERENCES core.tenants (id),
  seq       bigint NOT NULL,
  hash      text   NOT NULL
);
ALTER TABLE core.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.audit_log
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
ALTER TABLE core.audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE core.audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON core.audit_heads
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
-- Append-only for the application: no UPDATE or DELETE on the log.
GRANT SELECT, INSERT ON core.audit_log TO cabildo_app;
GRANT SELECT, INSERT, UPDATE ON core.audit_heads TO cabildo_app;

-- Tenant writes through the API (POST/PATCH /v1/tenants), authorised in core.
GRANT INSERT, UPDATE (name, inegi_code, updated_at) ON core.tenants TO cabildo_app;
