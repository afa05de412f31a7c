-- The application role no longer reads password hashes (issue 15, item 11):
-- a SQL injection or a leaked app credential must not yield every user's
-- Argon2id hash to crack offline. It keeps reading the other columns; the
-- login check gets the one hash it needs, for one email, through a
-- SECURITY DEFINER function owned by the owner role (which runs this file),
-- with a fixed search_path so no schema the caller controls can shadow what
-- the function calls.
REVOKE SELECT ON core.users FROM cabildo_app;
GRANT SELECT (id, email, name, is_instance_admin, created_at, updated_at) ON core.users
  TO cabildo_app;

CREATE FUNCTION core.login_credentials(p_email text)
RETURNS TABLE (user_id uuid, password_hash text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.password_hash FROM core.users u WHERE u.email = p_email
$$;
REVOKE ALL ON FUNCTION core.login_credentials(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.login_credentials(text) TO cabildo_app;
