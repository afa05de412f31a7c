-- calls' tenant policy as a hashed lookup. The state's single portal
-- (GET /calls?include_descendants=true) and NextWindowChange read the calls of
-- every tenant of a state; with the standard policy `tenant_id = ANY
-- (<InitPlan array>)` each row is compared with the whole tenant list
-- (PostgreSQL hashes = ANY only for constant arrays): over 570 municipalities
-- (2,284 calls) the list's key scan took 77 ms and NextWindowChange 15 ms,
-- EXPLAIN ANALYZE as the owner. `IN (SELECT unnest(...))` is a hashed SubPlan,
-- one hash table per statement and one probe per row: 23 ms and 1.5 ms.
-- (procedure_registry 0003 does the same for search_terms.) That form is never
-- an index condition, so every statement on calls names its tenants itself
-- (`tenant_id = $1` or `= ANY ($1::uuid[])`), as the module's SQL does.
ALTER POLICY tenant_isolation ON scholarships.calls
  USING (tenant_id IN (SELECT unnest(core.current_tenant_ids())))
  WITH CHECK (tenant_id IN (SELECT unnest(core.current_tenant_ids())));
