# shellcheck shell=bash
# postgres-md5.sh: run once by the postgres image's entrypoint when it creates
# the database (/docker-entrypoint-initdb.d, sourced by its bash). initdb has
# stored POSTGRES_USER's password as a scram-sha-256 verifier, PostgreSQL
# 14's default, before `-c password_encryption=md5` (postgres.yaml) applied;
# with such a verifier even an md5 line of pg_hba.conf asks for SCRAM, which
# PyBossa's libpq 9.5 cannot answer. Store the same password again, as md5.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	--set=pw="$POSTGRES_PASSWORD" <<'SQL'
SET password_encryption = 'md5';
ALTER ROLE CURRENT_USER PASSWORD :'pw';
SQL
