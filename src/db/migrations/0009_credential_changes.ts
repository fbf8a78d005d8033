/**
 * Every change to what authenticates a request is announced on the
 * `deskgate_credentials` channel, so each process can drop its cached
 * credentials at once (services/credential-cache.ts), whoever made the change.
 */
export const sql = /* sql */ `
CREATE FUNCTION deskgate_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('deskgate_credentials', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER accounts_changed AFTER UPDATE OR DELETE OR TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION deskgate_credentials_changed();
CREATE TRIGGER oauth_clients_changed AFTER UPDATE OR DELETE OR TRUNCATE ON oauth_clients
  FOR EACH STATEMENT EXECUTE FUNCTION deskgate_credentials_changed();
CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION deskgate_credentials_changed();
`;
