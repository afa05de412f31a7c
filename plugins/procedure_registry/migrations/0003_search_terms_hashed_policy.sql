-- search_terms' tenant policy as a hashed lookup. A search reads postings by
-- term (0002), so the policy is never an index condition there but a Filter
-- on every posting, and `tenant_id = ANY (<InitPlan array>)` compares each
-- one with the whole tenant list (PostgreSQL hashes = ANY only for constant
-- arrays). A state's search over 2,500 municipalities read 12,500 postings:
-- 81 of its 128 ms. `IN (SELECT unnest(...))` is a hashed SubPlan: one hash
-- table per statement, one probe per posting. (Not for tables whose reads the
-- policy drives through an index: that form is never an index condition.)
ALTER POLICY tenant_isolation ON procedure_registry.search_terms
  USING (tenant_id IN (SELECT unnest(core.current_tenant_ids())))
  WITH CHECK (tenant_id IN (SELECT unnest(core.current_tenant_ids())));
