-- Every destroyed per-resident key is announced to every process (their key caches forget it at once):
-- NOTIFY is delivered when, and only if, the erasing transaction commits.
CREATE OR REPLACE FUNCTION civic_announce_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('civic_erasure', NEW.subject_id::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER subject_keys_erased
    AFTER INSERT OR UPDATE OF wrapped_key ON subject_keys
    FOR EACH ROW WHEN (NEW.wrapped_key IS NULL)
    EXECUTE FUNCTION civic_announce_erasure();
