-- A project's funding through an index led by project_id. The lookup (in
-- every project's JSON: GET, the re-read after each write, lists) went through
-- the primary key (tenant_id, project_id, position), which row-level
-- security's `tenant_id = ANY (<list>)` prices as ten index descents; against
-- that, a generic plan made while the table was small chose a sequential
-- scan and kept it as the table grew (auto_explain on the bench's create
-- load: 6.8 ms a re-read, 18,152 rows filtered for 2). One descent on
-- project_id prices below any scan.
CREATE INDEX project_funding_project_idx ON public_works.project_funding (project_id);
