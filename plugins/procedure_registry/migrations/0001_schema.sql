-- The registry of procedures and services (registro de trámites y servicios,
-- LGMR art. 46; domain.md §A). A record is a working copy (`procedures.draft`,
-- what editors change) and the immutable versions it was published as
-- (`versions`): the public only ever reads versions, so editing a draft never
-- touches what citizens see. The current public version of a procedure is the
-- one whose valid_until is NULL; a newer publication or the withdrawal (baja)
-- closes it. The catalogue on any past date D is the set of versions with
-- published_at <= D < coalesce(valid_until, infinity) — what "menos trámites"
-- compares between two dates.
CREATE SCHEMA procedure_registry;
GRANT USAGE ON SCHEMA procedure_registry TO cabildo_app;

-- Trusted extensions (PostgreSQL >= 13): the database owner that runs the
-- migrations may create them. unaccent + pg_trgm ship with Debian's
-- postgresql-15 package.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Spanish full text without accents: unaccent before the Spanish stemmer, so
-- "construcción", "CONSTRUCCION" and "construccion" give the same lexeme.
CREATE TEXT SEARCH CONFIGURATION procedure_registry.es (COPY = pg_catalog.spanish);
ALTER TEXT SEARCH CONFIGURATION procedure_registry.es
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.spanish_stem;

-- unaccent() is STABLE (its dictionary could change); with the dictionary
-- named it is safe to index, the usual wrapper.
CREATE FUNCTION procedure_registry.unaccent_text(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN public.unaccent('public.unaccent'::regdictionary, input);

-- The text a search matches, weighted name (A) > keywords (B) > description
-- (C) > requirements (D), from a record document (draft or version).
CREATE FUNCTION procedure_registry.document_search(doc jsonb) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN setweight(to_tsvector('procedure_registry.es'::regconfig, coalesce(doc ->> 'name', '')), 'A')
      || setweight(to_tsvector('procedure_registry.es'::regconfig,
                               coalesce(doc -> 'keywords', '[]'::jsonb)), 'B')
      || setweight(to_tsvector('procedure_registry.es'::regconfig,
                               coalesce(doc ->> 'description', '')), 'C')
      || setweight(to_tsvector('procedure_registry.es'::regconfig,
                               jsonb_path_query_array(doc, 'lax $.requirements[*].description')), 'D');

CREATE TABLE procedure_registry.procedures (
  tenant_id         uuid        NOT NULL REFERENCES core.tenants (id),
  id                uuid        NOT NULL DEFAULT gen_random_uuid(),
  -- Unique per tenant for ever: a withdrawn procedure keeps its homoclave.
  homoclave         text        NOT NULL CHECK (length(homoclave) BETWEEN 3 AND 40),
  status            text        NOT NULL DEFAULT 'draft'
                                CHECK (status IN ('draft', 'published', 'withdrawn')),
  -- The working copy: every field of the record but id, tenant, status and
  -- homoclave (the column above), as the API's ProcedureRegistryProcedure.
  draft             jsonb       NOT NULL,
  draft_search      tsvector    GENERATED ALWAYS AS (procedure_registry.document_search(draft)) STORED,
  -- The newest version published (NULL: never published).
  published_version integer,
  -- The last change the public saw (a publication, the withdrawal): the
  -- public list's keyset and updated_since column.
  public_updated_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- Withdrawn (baja) or a never-published draft discarded: a tombstone.
  deleted_at        timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, homoclave),
  CHECK ((status = 'draft' AND published_version IS NULL)
         OR (status = 'published' AND published_version IS NOT NULL AND deleted_at IS NULL)
         OR (status = 'withdrawn' AND published_version IS NOT NULL AND deleted_at IS NOT NULL))
);
CREATE INDEX procedures_sync_idx ON procedure_registry.procedures (tenant_id, updated_at, id);
CREATE INDEX procedures_public_sync_idx ON procedure_registry.procedures (tenant_id, public_updated_at, id)
  WHERE published_version IS NOT NULL;
CREATE INDEX procedures_draft_search_idx ON procedure_registry.procedures USING gin (draft_search);
SELECT core.enable_tenant_rls('procedure_registry.procedures');
-- No DELETE: a withdrawal is a tombstone offline apps can sync.
GRANT SELECT, INSERT, UPDATE ON procedure_registry.procedures TO cabildo_app;

CREATE TABLE procedure_registry.versions (
  tenant_id       uuid        NOT NULL REFERENCES core.tenants (id),
  procedure_id    uuid        NOT NULL,
  version         integer     NOT NULL CHECK (version >= 1),
  -- The record exactly as published, homoclave included. Never updated.
  document        jsonb       NOT NULL,
  published_at    timestamptz NOT NULL DEFAULT now(),
  -- When a newer version or the withdrawal replaced it; NULL: current.
  valid_until     timestamptz CHECK (valid_until IS NULL OR valid_until >= published_at),
  -- Derived from the document for filters, ranking and the catalogue's figures.
  name            text        GENERATED ALWAYS AS (document ->> 'name') STORED,
  name_norm       text        GENERATED ALWAYS AS
                                (lower(procedure_registry.unaccent_text(document ->> 'name'))) STORED,
  kind            text        GENERATED ALWAYS AS (document ->> 'kind') STORED,
  audience        text        GENERATED ALWAYS AS (document ->> 'audience') STORED,
  category        text        GENERATED ALWAYS AS (document ->> 'category') STORED,
  online          boolean     GENERATED ALWAYS AS ((document ->> 'online')::boolean) STORED,
  -- Legal response time in calendar-or-business days as written; a month
  -- counts 30 days.
  resolution_days numeric     GENERATED ALWAYS AS (
                                (document -> 'resolution_term' ->> 'value')::numeric
                                * CASE document -> 'resolution_term' ->> 'unit'
                                    WHEN 'months' THEN 30 ELSE 1 END) STORED,
  free            boolean     GENERATED ALWAYS AS ((document -> 'cost' ->> 'free')::boolean) STORED,
  cost_mxn        numeric     GENERATED ALWAYS AS ((document -> 'cost' ->> 'amount_mxn')::numeric) STORED,
  search          tsvector    GENERATED ALWAYS AS (procedure_registry.document_search(document)) STORED,
  PRIMARY KEY (tenant_id, procedure_id, version),
  FOREIGN KEY (tenant_id, procedure_id) REFERENCES procedure_registry.procedures (tenant_id, id)
);
-- At most one current version per procedure.
CREATE UNIQUE INDEX versions_one_current_idx ON procedure_registry.versions (tenant_id, procedure_id)
  WHERE valid_until IS NULL;
CREATE INDEX versions_current_search_idx ON procedure_registry.versions USING gin (search)
  WHERE valid_until IS NULL;
CREATE INDEX versions_current_name_trgm_idx ON procedure_registry.versions
  USING gin (name_norm public.gin_trgm_ops) WHERE valid_until IS NULL;
CREATE INDEX versions_history_idx ON procedure_registry.versions (tenant_id, published_at);
SELECT core.enable_tenant_rls('procedure_registry.versions');
-- A version is immutable: the application may only close it (valid_until).
GRANT SELECT, INSERT ON procedure_registry.versions TO cabildo_app;
GRANT UPDATE (valid_until) ON procedure_registry.versions TO cabildo_app;
