-- Per-instance secrets shared by every replica (so a cursor signed by one
-- replica verifies on another). gen_random_uuid() draws from PostgreSQL's
-- strong random source; two of them give 244 random bits.
CREATE TABLE core.instance_secrets (
  name  text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO core.instance_secrets (name, value)
  VALUES ('cursor_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
GRANT SELECT ON core.instance_secrets TO cabildo_app;
