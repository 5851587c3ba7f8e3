#!/bin/sh
# Runs once, when the postgres container initialises an empty data folder:
# the login role the services connect as. It owns nothing; migration 0009
# (run by `migrate` as the owner, POSTGRES_USER) grants it what it needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="${PCSYNC_DB_APP_ROLE:-pcsync_app}" -v password="$PCSYNC_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
SQL
