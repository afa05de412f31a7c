-- The core's tenant policies evaluated once per statement, as
-- core.enable_tenant_rls (0009) and public_works 0003 do: as a bare call,
-- PostgreSQL inlines core.current_tenant_ids() into every row's or index
-- probe's check, parsing the whole tenant list again each time. A state's
-- request over 2,500 municipalities read core.tenant_modules (which modules
-- each tenant enabled) in 0.4-3 s; wrapped in a scalar subquery the list is an
-- InitPlan, computed once.
ALTER POLICY tenant_isolation ON core.tenant_modules
  USING (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[]))
  WITH CHECK (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[]));
ALTER POLICY tenant_isolation ON core.role_assignments
  USING (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[])
         OR user_id = (SELECT core.current_user_id()))
  WITH CHECK (tenant_id = ANY ((SELECT core.current_tenant_ids())::uuid[]));
