-- The single scholarship portal (portal único de becas; api-modules.md,
-- domain.md §D). Calls (convocatorias) are public once published; citizens
-- apply; reviewers decide within the call's slots; publishing the results
-- freezes the decisions and writes the padrón of beneficiaries — the only
-- place where an applicant's name is public, with amount, municipality, age
-- and sex, nothing else (LGTAIP art. 70 fr. XV q).
--
-- Personal data at rest (LGPDPPSO): everything an applicant tells about
-- themselves — CURP, name, birth date, sex, address, phone, email, school,
-- grades, answers, documents — lives only in applications.personal_data,
-- sealed by the host with the instance's data key (CABILDO_DATA_KEY, never in
-- this database) and bound to the application's id. Without the key the
-- column is unreadable, to the database owner as to a stolen backup. "One
-- application per CURP per call" is enforced on a keyed digest of the CURP
-- (curp_digest), which nobody without the key can test CURPs against.
CREATE SCHEMA scholarships;
GRANT USAGE ON SCHEMA scholarships TO cabildo_app;

CREATE TABLE scholarships.calls (
  tenant_id    uuid        NOT NULL REFERENCES core.tenants (id),
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- draft -> published -> resolved (results published). "closed" is not
  -- stored: a published call whose closes_at has passed is closed.
  status       text        NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'published', 'resolved')),
  -- The call's text and publication duties, as the API's ScholarshipsCall
  -- without the columns below (title, description, program, area,
  -- target_population, objectives, requirements, eligibility,
  -- selection_criteria, legal_basis, rules_url, privacy_notice_url,
  -- complaints_procedure, contact, budget_mxn).
  document     jsonb       NOT NULL,
  -- What the rules of the call decide with, as columns: a money amount per
  -- beneficiary, the number of beneficiaries (approvals never exceed it)
  -- and the window applications are accepted in.
  amount_mxn   numeric(14, 2) NOT NULL CHECK (amount_mxn >= 0),
  slots        integer     NOT NULL CHECK (slots BETWEEN 1 AND 1000000),
  opens_at     timestamptz NOT NULL,
  closes_at    timestamptz NOT NULL,
  results_at   timestamptz,
  published_at timestamptz,
  resolved_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- A discarded draft (published calls are never deleted).
  deleted_at   timestamptz,
  PRIMARY KEY (tenant_id, id),
  CHECK (closes_at > opens_at),
  CHECK (results_at IS NULL OR results_at >= closes_at),
  CHECK ((status = 'draft') = (published_at IS NULL)),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK (deleted_at IS NULL OR status = 'draft')
);
CREATE INDEX calls_sync_idx ON scholarships.calls (tenant_id, updated_at, id);
CREATE INDEX calls_window_idx ON scholarships.calls (tenant_id, closes_at) WHERE status = 'published';
SELECT core.enable_tenant_rls('scholarships.calls');
GRANT SELECT, INSERT, UPDATE ON scholarships.calls TO cabildo_app;

CREATE TABLE scholarships.applications (
  tenant_id     uuid        NOT NULL REFERENCES core.tenants (id),
  id            uuid        NOT NULL DEFAULT gen_random_uuid(),
  call_id       uuid        NOT NULL,
  -- The signed-in citizen who applied (core.users.id): who may read, amend
  -- and withdraw it.
  applicant_id  uuid        NOT NULL,
  -- The host's keyed digest of the CURP (PersonalDataDigest("curp", curp)).
  curp_digest   text        NOT NULL CHECK (curp_digest ~ '^[0-9a-f]{64}$'),
  -- Sealed JSON of ScholarshipsApplicationInput's personal fields
  -- (SealPersonalData(..., id)): "v1." + base64.
  personal_data text        NOT NULL CHECK (personal_data LIKE 'v1.%'),
  status        text        NOT NULL DEFAULT 'submitted'
                            CHECK (status IN ('submitted', 'under_review', 'needs_info',
                                              'approved', 'rejected', 'withdrawn')),
  -- The current decision (history in decisions): 0..100, and the note the
  -- applicant reads (needs_info says what is missing).
  score         numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
  decision_note text        CHECK (length(decision_note) <= 2000),
  decided_by    uuid,
  decided_at    timestamptz,
  submitted_at  timestamptz NOT NULL DEFAULT now(),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, call_id) REFERENCES scholarships.calls (tenant_id, id)
);
-- One live application per CURP per call; a withdrawn one does not count,
-- so its applicant may apply again while the window is open.
CREATE UNIQUE INDEX applications_one_per_curp_idx
  ON scholarships.applications (tenant_id, call_id, curp_digest) WHERE status <> 'withdrawn';
CREATE INDEX applications_review_idx ON scholarships.applications (tenant_id, call_id, submitted_at, id);
CREATE INDEX applications_applicant_idx ON scholarships.applications (applicant_id, updated_at, id);
SELECT core.enable_tenant_rls('scholarships.applications');
-- No DELETE: a withdrawal is a status.
GRANT SELECT, INSERT, UPDATE ON scholarships.applications TO cabildo_app;

-- Every decision ever taken on an application (dictámenes), newest last:
-- who decided what, with which score and note. Never updated.
CREATE TABLE scholarships.decisions (
  tenant_id      uuid        NOT NULL REFERENCES core.tenants (id),
  id             bigint      GENERATED ALWAYS AS IDENTITY,
  application_id uuid        NOT NULL,
  decision       text        NOT NULL CHECK (decision IN ('approve', 'reject', 'needs_info')),
  score          numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
  note           text        CHECK (length(note) <= 2000),
  reviewer_id    uuid,       -- NULL: the system (publish-results closing an unanswered needs_info)
  decided_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, application_id) REFERENCES scholarships.applications (tenant_id, id)
);
CREATE INDEX decisions_application_idx ON scholarships.decisions (tenant_id, application_id, id);
SELECT core.enable_tenant_rls('scholarships.decisions');
GRANT SELECT, INSERT ON scholarships.decisions TO cabildo_app;

-- The padrón of beneficiaries, written once by publish-results from the
-- approved applications and public from then on: exactly the fields fr. XV q
-- asks for. Never updated.
CREATE TABLE scholarships.beneficiaries (
  tenant_id         uuid        NOT NULL REFERENCES core.tenants (id),
  call_id           uuid        NOT NULL,
  application_id    uuid        NOT NULL,
  -- As the padrón shows it: the full name, or initials for a minor when the
  -- tenant's policy says so (module configuration minors_in_padron).
  name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  amount_mxn        numeric(14, 2) NOT NULL CHECK (amount_mxn >= 0),
  -- INEGI key of the municipality of residence and its name.
  municipality_code text        NOT NULL CHECK (municipality_code ~ '^[0-9]{5}$'),
  municipality      text        NOT NULL,
  -- Age in whole years on the day the call closed (Mexico City time).
  age               integer     NOT NULL CHECK (age BETWEEN 0 AND 130),
  sex               text        NOT NULL CHECK (sex IN ('H', 'M', 'X')),
  published_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, call_id, application_id),
  FOREIGN KEY (tenant_id, call_id) REFERENCES scholarships.calls (tenant_id, id),
  FOREIGN KEY (tenant_id, application_id) REFERENCES scholarships.applications (tenant_id, id)
);
CREATE INDEX beneficiaries_padron_idx ON scholarships.beneficiaries (tenant_id, call_id, name, application_id);
SELECT core.enable_tenant_rls('scholarships.beneficiaries');
GRANT SELECT, INSERT ON scholarships.beneficiaries TO cabildo_app;

-- INEGI's municipalities of Durango (Marco Geoestadístico, clave de entidad
-- 10): the padrón's territorial unit by name. Reference data, the same for
-- every tenant: no tenant_id, no row-level security, read-only to the app.
-- A municipality outside this list shows its 5-digit key as its name.
CREATE TABLE scholarships.municipalities (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{5}$'),
  name text NOT NULL
);
INSERT INTO scholarships.municipalities (code, name) VALUES
  ('10001', 'Canatlán'), ('10002', 'Canelas'), ('10003', 'Coneto de Comonfort'),
  ('10004', 'Cuencamé'), ('10005', 'Durango'), ('10006', 'General Simón Bolívar'),
  ('10007', 'Gómez Palacio'), ('10008', 'Guadalupe Victoria'), ('10009', 'Guanaceví'),
  ('10010', 'Hidalgo'), ('10011', 'Indé'), ('10012', 'Lerdo'), ('10013', 'Mapimí'),
  ('10014', 'Mezquital'), ('10015', 'Nazas'), ('10016', 'Nombre de Dios'),
  ('10017', 'Ocampo'), ('10018', 'El Oro'), ('10019', 'Otáez'),
  ('10020', 'Pánuco de Coronado'), ('10021', 'Peñón Blanco'), ('10022', 'Poanas'),
  ('10023', 'Pueblo Nuevo'), ('10024', 'Rodeo'), ('10025', 'San Bernardo'),
  ('10026', 'San Dimas'), ('10027', 'San Juan de Guadalupe'), ('10028', 'San Juan del Río'),
  ('10029', 'San Luis del Cordero'), ('10030', 'San Pedro del Gallo'), ('10031', 'Santa Clara'),
  ('10032', 'Santiago Papasquiaro'), ('10033', 'Súchil'), ('10034', 'Tamazula'),
  ('10035', 'Tepehuanes'), ('10036', 'Tlahualilo'), ('10037', 'Topia'),
  ('10038', 'Vicente Guerrero'), ('10039', 'Nuevo Ideal');
GRANT SELECT ON scholarships.municipalities TO cabildo_app;
