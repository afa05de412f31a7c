-- The Local Technical Secretariat (STL): its members, sessions and their
-- agreements, decisions and their votes. Deletions are tombstones
-- (deleted_at) so offline apps syncing with updated_since see them.

-- A member is current on day D when since <= D AND (until IS NULL OR D <= until)
-- AND deleted_at IS NULL. An alternate sits in the seat of a titular member of
-- the same tenant (alternate_of); titular and voice seats have none.
CREATE TABLE open_government.members (
  tenant_id    uuid        NOT NULL REFERENCES core.tenants (id),
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  sector       text        NOT NULL CHECK (sector IN ('government', 'civil_society', 'guarantor',
                                                      'facilitator')),
  institution  text        NOT NULL DEFAULT '',
  position     text        NOT NULL DEFAULT '',
  seat         text        NOT NULL CHECK (seat IN ('titular', 'alternate', 'voice')),
  alternate_of uuid,
  since        date        NOT NULL,
  until        date,
  published    boolean     NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, alternate_of) REFERENCES open_government.members (tenant_id, id),
  CHECK (until IS NULL OR until >= since),
  CHECK ((seat = 'alternate') = (alternate_of IS NOT NULL)),
  CHECK (alternate_of IS NULL OR alternate_of <> id)
);
CREATE INDEX members_sync_idx ON open_government.members (tenant_id, updated_at, id);
CREATE INDEX members_alternate_idx ON open_government.members (tenant_id, alternate_of)
  WHERE alternate_of IS NOT NULL;
SELECT core.enable_tenant_rls('open_government.members');
GRANT SELECT, INSERT, UPDATE ON open_government.members TO cabildo_app;

CREATE TABLE open_government.sessions (
  tenant_id   uuid        NOT NULL REFERENCES core.tenants (id),
  id          uuid        NOT NULL DEFAULT gen_random_uuid(),
  held_on     date        NOT NULL,
  kind        text        NOT NULL CHECK (kind IN ('ordinary', 'extraordinary')),
  minutes_url text,
  published   boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sessions_sync_idx ON open_government.sessions (tenant_id, updated_at, id);
CREATE INDEX sessions_held_on_idx ON open_government.sessions (tenant_id, held_on);
SELECT core.enable_tenant_rls('open_government.sessions');
GRANT SELECT, INSERT, UPDATE ON open_government.sessions TO cabildo_app;

-- Overdue on day D: NOT done AND due < D. Public when its session is.
CREATE TABLE open_government.agreements (
  tenant_id   uuid        NOT NULL REFERENCES core.tenants (id),
  id          uuid        NOT NULL DEFAULT gen_random_uuid(),
  session_id  uuid        NOT NULL,
  position    integer     NOT NULL,
  text        text        NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
  responsible text        NOT NULL DEFAULT '',
  due         date,
  done        boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES open_government.sessions (tenant_id, id)
);
CREATE INDEX agreements_session_idx ON open_government.agreements (tenant_id, session_id, position);
CREATE INDEX agreements_sync_idx ON open_government.agreements (tenant_id, updated_at, id);
SELECT core.enable_tenant_rls('open_government.agreements');
GRANT SELECT, INSERT, UPDATE ON open_government.agreements TO cabildo_app;

-- A decision: its rule, its own quorum (NULL: more than half of the voting
-- seats), the date whose current members vote (decided_on), and once closed
-- (closed_at) the outcome and votes as they stood, frozen (result): a closed
-- decision never changes, whatever later happens to its members.
CREATE TABLE open_government.decisions (
  tenant_id  uuid        NOT NULL REFERENCES core.tenants (id),
  id         uuid        NOT NULL DEFAULT gen_random_uuid(),
  title      text        NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  rule       text        NOT NULL CHECK (rule IN ('simple_majority', 'civil_society_majority')),
  quorum     integer     CHECK (quorum >= 1),
  session_id uuid,
  decided_on date        NOT NULL,
  published  boolean     NOT NULL DEFAULT false,
  closed_at  timestamptz,
  result     jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES open_government.sessions (tenant_id, id),
  CHECK ((closed_at IS NULL) = (result IS NULL))
);
CREATE INDEX decisions_sync_idx ON open_government.decisions (tenant_id, updated_at, id);
SELECT core.enable_tenant_rls('open_government.decisions');
GRANT SELECT, INSERT, UPDATE ON open_government.decisions TO cabildo_app;

-- Votes, in the order cast (cast_at, id). One per member and decision; which
-- count (one per seat, the titular's replacing its alternate's) is decided on
-- read by decision_rules.h. Append-only.
CREATE TABLE open_government.votes (
  tenant_id   uuid        NOT NULL REFERENCES core.tenants (id),
  id          uuid        NOT NULL DEFAULT gen_random_uuid(),
  decision_id uuid        NOT NULL,
  member_id   uuid        NOT NULL,
  vote        text        NOT NULL CHECK (vote IN ('yes', 'no', 'abstain')),
  cast_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, decision_id, member_id),
  FOREIGN KEY (tenant_id, decision_id) REFERENCES open_government.decisions (tenant_id, id),
  FOREIGN KEY (tenant_id, member_id) REFERENCES open_government.members (tenant_id, id)
);
SELECT core.enable_tenant_rls('open_government.votes');
GRANT SELECT, INSERT ON open_government.votes TO cabildo_app;
