-- The Local Action Plan (OGP template): plans, their commitments nested by
-- parent_id and the commitments' milestones with weight, status and
-- evidence; and the dated public history of every change to a commitment or
-- its milestones. Progress is never stored: src/progress.h computes it on
-- read from the milestones (trees are tens of rows).

CREATE TABLE open_government.plans (
  tenant_id    uuid        NOT NULL REFERENCES core.tenants (id),
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  description  text,
  cycle        text        CHECK (length(cycle) <= 50),
  period_start date        NOT NULL,
  period_end   date        NOT NULL,
  phase        text        NOT NULL DEFAULT 'awareness' CHECK (phase IN (
                 'awareness', 'installation', 'co_creation', 'implementation', 'monitoring',
                 'evaluation')),
  published    boolean     NOT NULL DEFAULT false,
  -- When a published plan was last unpublished: offline sync (updated_since)
  -- answers anonymous callers a tombstone for it, as public-works does.
  unpublished_at timestamptz,
  deleted_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (period_end >= period_start)
);
CREATE INDEX plans_sync_idx ON open_government.plans (tenant_id, updated_at, id);

CREATE TABLE open_government.commitments (
  tenant_id        uuid        NOT NULL REFERENCES core.tenants (id),
  id               uuid        NOT NULL DEFAULT gen_random_uuid(),
  plan_id          uuid        NOT NULL,
  -- Same plan: the write path checks it (and refuses cycles and depth > 5).
  parent_id        uuid,
  number           text        CHECK (length(number) <= 20),
  title            text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  problem          text,
  baseline         text,
  objective        text,
  ogp_values       text[]      NOT NULL DEFAULT '{}',
  theme            text,
  lead_institution text,
  lead_contact     text,
  co_responsible   text[]      NOT NULL DEFAULT '{}',
  start_date       date,
  end_date         date,
  weight           numeric     CHECK (weight >= 0),  -- NULL: not given
  linked_module    text,
  linked_ref       text,
  deleted_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, plan_id) REFERENCES open_government.plans (tenant_id, id),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES open_government.commitments (tenant_id, id),
  CHECK (parent_id IS NULL OR parent_id <> id),
  CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
  CHECK ((linked_module IS NULL) = (linked_ref IS NULL))
);
CREATE INDEX commitments_plan_idx ON open_government.commitments (tenant_id, plan_id);
CREATE INDEX commitments_sync_idx
  ON open_government.commitments (tenant_id, plan_id, updated_at, id);

CREATE TABLE open_government.milestones (
  tenant_id     uuid        NOT NULL REFERENCES core.tenants (id),
  id            uuid        NOT NULL DEFAULT gen_random_uuid(),
  commitment_id uuid        NOT NULL,
  title         text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  deliverable   text,
  due           date,
  weight        numeric     NOT NULL DEFAULT 1 CHECK (weight >= 0),
  status        text        NOT NULL DEFAULT 'scheduled' CHECK (status IN (
                  'scheduled', 'met', 'not_met', 'partially_met')),
  evidence      jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
  deleted_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, commitment_id) REFERENCES open_government.commitments (tenant_id, id)
);
CREATE INDEX milestones_commitment_idx
  ON open_government.milestones (tenant_id, commitment_id, updated_at, id);

-- The public history: one row per write to a commitment or one of its
-- milestones, in the write's transaction. `actor` is a public name or role
-- ("Editor", "Administrador"), never an email; `changes` maps each changed
-- field to {"from", "to"}. Append-only for the application.
CREATE TABLE open_government.commitment_history (
  tenant_id     uuid        NOT NULL REFERENCES core.tenants (id),
  id            uuid        NOT NULL DEFAULT gen_random_uuid(),
  commitment_id uuid        NOT NULL,
  milestone_id  uuid,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor         text        NOT NULL,
  action        text        NOT NULL CHECK (action IN (
                  'commitment.created', 'commitment.updated', 'milestone.created',
                  'milestone.updated')),
  changes       jsonb       NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, commitment_id) REFERENCES open_government.commitments (tenant_id, id)
);
CREATE INDEX commitment_history_idx
  ON open_government.commitment_history (tenant_id, commitment_id, at, id);

SELECT core.enable_tenant_rls('open_government.plans');
SELECT core.enable_tenant_rls('open_government.commitments');
SELECT core.enable_tenant_rls('open_government.milestones');
SELECT core.enable_tenant_rls('open_government.commitment_history');

GRANT SELECT, INSERT, UPDATE ON open_government.plans TO cabildo_app;
GRANT SELECT, INSERT, UPDATE ON open_government.commitments TO cabildo_app;
GRANT SELECT, INSERT, UPDATE ON open_government.milestones TO cabildo_app;
GRANT SELECT, INSERT ON open_government.commitment_history TO cabildo_app;
