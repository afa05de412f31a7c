-- Obra pública: projects in OC4IDS shape, their funding sources and their
-- append-only progress reports. Money is numeric(16,2), never float.
CREATE SCHEMA public_works;
GRANT USAGE ON SCHEMA public_works TO cabildo_app;

CREATE TABLE public_works.projects (
  tenant_id              uuid          NOT NULL REFERENCES core.tenants (id),
  id                     uuid          NOT NULL DEFAULT gen_random_uuid(),
  external_id            text,
  title                  text          NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  description            text,
  status                 text          NOT NULL DEFAULT 'identification' CHECK (status IN (
                           'identification', 'preparation', 'implementation', 'completion',
                           'maintenance', 'decommissioning', 'decommissioned', 'cancelled')),
  type                   text          CHECK (type IN ('construction', 'rehabilitation',
                           'replacement', 'expansion', 'decommissioning')),
  sector                 text,
  purpose                text,
  budget_mxn             numeric(16,2) NOT NULL CHECK (budget_mxn >= 0),
  lat                    numeric(9,6)  CHECK (lat BETWEEN -90 AND 90),
  lon                    numeric(9,6)  CHECK (lon BETWEEN -180 AND 180),
  address                text,
  cvegeo                 text,
  contractor_name        text,
  contractor_rfc         text,
  procurement_method     text          CHECK (procurement_method IN ('open', 'selective', 'direct')),
  contract_value_mxn     numeric(16,2) CHECK (contract_value_mxn >= 0),
  start_date             date,
  end_date               date,
  physical_progress_pct  numeric(5,2)  NOT NULL DEFAULT 0 CHECK (physical_progress_pct BETWEEN 0 AND 100),
  financial_progress_pct numeric(5,2)  NOT NULL DEFAULT 0 CHECK (financial_progress_pct BETWEEN 0 AND 100),
  spent_mxn              numeric(16,2) NOT NULL DEFAULT 0 CHECK (spent_mxn >= 0),
  published              boolean       NOT NULL DEFAULT false,
  deleted_at             timestamptz,
  created_at             timestamptz   NOT NULL DEFAULT now(),
  updated_at             timestamptz   NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX projects_sync_idx ON public_works.projects (tenant_id, updated_at, id);

-- Funding sources: origin (federal/state/municipal) and fund (FAIS, FORTAMUN...).
CREATE TABLE public_works.project_funding (
  tenant_id  uuid          NOT NULL,
  project_id uuid          NOT NULL,
  position   integer       NOT NULL,
  origin     text          NOT NULL CHECK (origin IN ('federal', 'state', 'municipal')),
  fund       text          NOT NULL CHECK (length(fund) BETWEEN 1 AND 100),
  amount_mxn numeric(16,2) NOT NULL CHECK (amount_mxn >= 0),
  PRIMARY KEY (tenant_id, project_id, position),
  FOREIGN KEY (tenant_id, project_id) REFERENCES public_works.projects (tenant_id, id)
);

-- Append-only: the application may read and insert, never update or delete.
CREATE TABLE public_works.progress_reports (
  tenant_id     uuid          NOT NULL,
  id            uuid          NOT NULL DEFAULT gen_random_uuid(),
  project_id    uuid          NOT NULL,
  report_date   date          NOT NULL,
  physical_pct  numeric(5,2)  NOT NULL CHECK (physical_pct BETWEEN 0 AND 100),
  financial_pct numeric(5,2)  NOT NULL CHECK (financial_pct BETWEEN 0 AND 100),
  spent_mxn     numeric(16,2) NOT NULL CHECK (spent_mxn >= 0),
  note          text,
  evidence_urls text[]        NOT NULL DEFAULT '{}',
  created_at    timestamptz   NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, project_id) REFERENCES public_works.projects (tenant_id, id)
);
CREATE INDEX progress_reports_project_idx
  ON public_works.progress_reports (tenant_id, project_id, report_date, created_at);

ALTER TABLE public_works.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_works.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public_works.projects
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
ALTER TABLE public_works.project_funding ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_works.project_funding FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public_works.project_funding
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));
ALTER TABLE public_works.progress_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE public_works.progress_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public_works.progress_reports
  USING (tenant_id = ANY (core.current_tenant_ids()))
  WITH CHECK (tenant_id = ANY (core.current_tenant_ids()));

GRANT SELECT, INSERT, UPDATE ON public_works.projects TO cabildo_app;
GRANT SELECT, INSERT, DELETE ON public_works.project_funding TO cabildo_app;
GRANT SELECT, INSERT ON public_works.progress_reports TO cabildo_app;
