-- One note by id through an index led by id (see public-works' migration
-- 0004): row-level security's `tenant_id = ANY (<list>)` makes the planner
-- price the primary key and notes_sync_idx alike, and a plan that takes the
-- sync index scans the tenant's whole range of it for one id.
CREATE INDEX notes_id_idx ON example.notes (id);
