-- Revision 0002: which schema version each read model (and process manager) was built with. On start, the
-- projection runner compares it with the version the code declares (`Projection.schema_version`): a read model
-- whose version changed is dropped, re-created and rebuilt from the log; the others are left as they are. Read
-- models already there when this revision runs are taken as built with version 1, the version every projection
-- declared when it was added.

CREATE TABLE read_model_versions (
    name text PRIMARY KEY,
    schema_version integer NOT NULL CHECK (schema_version > 0),
    built_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO read_model_versions (name, schema_version)
SELECT application_name, 1 FROM projection_tracking WHERE application_name <> '__migration__';
