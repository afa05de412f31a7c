-- The module's own schema. Tables come in the next migrations, one per part:
-- 0002 the Secretariat, 0003 plans, commitments and milestones.
CREATE SCHEMA open_government;
GRANT USAGE ON SCHEMA open_government TO cabildo_app;
