-- PyBossa 2.8.0's alembic revision 8fe68fbf6baa (down_revision 52209719b79e):
-- add helpingmaterial.priority, nullable with no default, so existing rows
-- read NULL and PostgreSQL changes only the catalog (no table rewrite). One
-- transaction, as alembic runs it: the column and the version move together.
-- 2.7.x code names its columns and never reads priority, so running this
-- before the new code rolls out is safe; the reverse order is not.
BEGIN;

-- Alembic would refuse to upgrade from anything but the down_revision; so do we.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM alembic_version WHERE version_num = '52209719b79e') THEN
        RAISE EXCEPTION 'alembic_version is not 52209719b79e: not migrating to 8fe68fbf6baa';
    END IF;
END
$$;

ALTER TABLE helpingmaterial ADD COLUMN priority double precision;

UPDATE alembic_version SET version_num = '8fe68fbf6baa'
    WHERE alembic_version.version_num = '52209719b79e';

COMMIT;
