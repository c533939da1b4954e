-- Downgrade of alembic revision 8fe68fbf6baa back to 52209719b79e: drop
-- helpingmaterial.priority. Run it only once no 2.8.0 instance is left: 2.8.0
-- selects the column and fails without it.
BEGIN;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM alembic_version WHERE version_num = '8fe68fbf6baa') THEN
        RAISE EXCEPTION 'alembic_version is not 8fe68fbf6baa: nothing to downgrade';
    END IF;
END
$$;

ALTER TABLE helpingmaterial DROP COLUMN priority;

UPDATE alembic_version SET version_num = '52209719b79e'
    WHERE alembic_version.version_num = '8fe68fbf6baa';

COMMIT;
