-- A search index the application can use under row-level security.
--
-- 0001 indexes the current versions' `search` (GIN) and `name_norm` (GIN
-- gin_trgm_ops). The application role never gets to use them: under RLS the
-- planner makes a condition an index condition only when its operator is
-- LEAKPROOF (or no policy condition must run before it), and neither the
-- text-search match (@@, ts_match_vq) nor the trigram operators (%, <%) are
-- leakproof; only a superuser could mark them so. EXPLAIN ANALYZE as
-- cabildo_app over 10,000 current versions of one tenant: a sequential scan
-- of every row of the tenants read, even with enable_seqscan off (the GIN
-- indexes serve only a role that bypasses RLS).
--
-- Equality of text and uuid is leakproof, so a B-tree over (tenant_id, term)
-- is usable: search_terms, the inverted list of the current versions, one row
-- per distinct lexeme of `search`, kept by triggers on versions (a version is
-- inserted current; closing it, valid_until set, removes its rows). A search
-- takes the records having every lexeme of q (plainto_tsquery's semantics)
-- from the index, then re-checks `search @@ query` and computes ts_rank on
-- those rows only: "licencia construccion" over 10,000 records, 18 ms
-- (sequential) -> 2.7 ms; over a state of 2,500 municipalities (10,000
-- records, 2,500 matches), 4 s with the tenant-first layout -> 0.15 s.
--
-- Trigram suggestions stay a scan of the current versions of the tenants read:
-- a B-tree list of name trigrams was tried and was slower (every name shares
-- " de", "de " and "  d" with most queries: 76,000 postings to aggregate for
-- "lisencia de contruccion" against 10,000 similarity() calls, 58 ms). They
-- run only when full text finds nothing.

CREATE TABLE procedure_registry.search_terms (
  tenant_id    uuid    NOT NULL,
  procedure_id uuid    NOT NULL,
  version      integer NOT NULL,
  term         text    NOT NULL,
  -- Term first: a search reads the postings of two or three terms, then
  -- keeps its tenants'. With the tenant first, a state's search probed
  -- (tenant, term) for each of 2,500 tenants (and the policy's own list of
  -- 2,501 on every probe: 4 s); and with one tenant the planner took the
  -- tenant's whole range and filtered the terms (225,000 rows for 1,919).
  PRIMARY KEY (term, tenant_id, procedure_id, version),
  FOREIGN KEY (tenant_id, procedure_id, version)
    REFERENCES procedure_registry.versions (tenant_id, procedure_id, version)
);
CREATE INDEX search_terms_version_idx
  ON procedure_registry.search_terms (tenant_id, procedure_id, version);
SELECT core.enable_tenant_rls('procedure_registry.search_terms');
GRANT SELECT, INSERT, DELETE ON procedure_registry.search_terms TO cabildo_app;

-- The distinct lexemes q asks for: those plainto_tsquery(procedure_registry.es,
-- q) ANDs (the same parser, dictionaries and stop words).
CREATE FUNCTION procedure_registry.query_terms(q text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN tsvector_to_array(to_tsvector('procedure_registry.es'::regconfig, q));

-- A version inserted current gets its terms; closed (valid_until set), loses
-- them. Runs as the caller: the application role in its tenant scope.
CREATE FUNCTION procedure_registry.index_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.valid_until IS NULL AND NEW.valid_until IS NOT NULL THEN
      DELETE FROM procedure_registry.search_terms
        WHERE tenant_id = OLD.tenant_id AND procedure_id = OLD.procedure_id
          AND version = OLD.version;
    ELSIF OLD.valid_until IS NOT NULL AND NEW.valid_until IS NULL THEN
      INSERT INTO procedure_registry.search_terms (tenant_id, procedure_id, version, term)
      SELECT NEW.tenant_id, NEW.procedure_id, NEW.version, term
      FROM unnest(tsvector_to_array(NEW.search)) term
      ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END IF;
  IF NEW.valid_until IS NULL THEN
    INSERT INTO procedure_registry.search_terms (tenant_id, procedure_id, version, term)
    SELECT NEW.tenant_id, NEW.procedure_id, NEW.version, term
    FROM unnest(tsvector_to_array(NEW.search)) term;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER versions_index_insert AFTER INSERT ON procedure_registry.versions
  FOR EACH ROW EXECUTE FUNCTION procedure_registry.index_version();
CREATE TRIGGER versions_index_close AFTER UPDATE OF valid_until ON procedure_registry.versions
  FOR EACH ROW EXECUTE FUNCTION procedure_registry.index_version();

-- The current version of a procedure by its id alone (ids are UUIDs): the
-- join from the postings to the versions. With the tenant first, as every
-- other index of versions has it, each of the 2,500 lookups of a state's
-- search also probed the policy's list of 2,501 tenants (3 s); by id, the
-- policy is a filter on the one row found (0.09 s).
CREATE INDEX versions_current_procedure_idx ON procedure_registry.versions (procedure_id)
  WHERE valid_until IS NULL;

-- A record by its id alone (ids are UUIDs), to render the page's 20 rows:
-- planned with the tenant as a parameter, the lookup took the index whose
-- first column is the tenant and read the tenant's 10,000 rows per result.
CREATE INDEX procedures_id_idx ON procedure_registry.procedures (id);
