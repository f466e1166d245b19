#!/usr/bin/env bash
# The one test command: installs what the tests need, builds with warnings as errors, checks that both migrations
# sets match the model, and runs every test project twice over: on SQLite, then the data and multi-instance tests on
# a throwaway PostgreSQL server it starts on 127.0.0.1 (and stops at the end).
# PORTAL_TEST_POSTGRES=<connection string> uses that server instead; PORTAL_TEST_SKIP_POSTGRES=1 runs SQLite only.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
started=$SECONDS

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ -z "${PORTAL_TEST_SKIP_POSTGRES:-}" ] && [ -z "${PORTAL_TEST_POSTGRES:-}" ] && [ -z "$(postgres_bin)" ]; then
  missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A throwaway PostgreSQL: its own data folder, a free loopback port, no durability (it lives for one run).
pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    pg_run "$(postgres_bin)/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "$pg_dir" ]; then rm -rf "$pg_dir"; fi
}
pg_run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_postgres() {
  local bin port
  bin=$(postgres_bin)
  pg_dir=$(mktemp -d /tmp/portal-postgres.XXXXXX)
  trap stop_postgres EXIT
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; fi
  port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  pg_run "$bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log"; exit 1; }
  pg_run "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -s start -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
    || { cat "$pg_dir/server.log"; exit 1; }
  # The tests' role may create databases and end sessions in them, but is no superuser.
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE portal LOGIN PASSWORD 'portal' CREATEDB" -c "GRANT pg_signal_backend TO portal" >/dev/null
  export PORTAL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=portal;Password=portal;Database=postgres"
  echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, $pg_dir)"
}

echo "== restore"
dotnet tool restore >/dev/null
dotnet restore Portal.sln

echo "== build (warnings are errors)"
dotnet build Portal.sln -c Release --no-restore -warnaserror -nologo -clp:ErrorsOnly

echo "== migrations match the model (SQLite and PostgreSQL)"
for context in SqlitePortalDbContext PostgresPortalDbContext; do
  dotnet ef migrations has-pending-model-changes --project Portal --context "$context" --configuration Release --no-build
done

results=$(mktemp -d)
status=0
run_tests() { # label, project, extra dotnet test arguments...
  local label=$1 project=$2
  shift 2
  echo "== $project ($label)"
  dotnet test "$project" -c Release --no-build --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$results/$project.$label.log" || status=1
}

# Part 1: SQLite (the variable is unset, so every data test runs once, on SQLite).
sqlite_started=$SECONDS
(
  unset PORTAL_TEST_POSTGRES
  run_tests sqlite Portal.Tests
  run_tests sqlite Portal.E2E --filter "FullyQualifiedName!~Portal.E2E.Operations"
  exit $status
) || status=1
sqlite_seconds=$((SECONDS - sqlite_started))

# Part 2: PostgreSQL (the data and API tests again, and the multi-instance and readiness browser tests).
postgres_seconds=0
if [ -z "${PORTAL_TEST_SKIP_POSTGRES:-}" ]; then
  postgres_started=$SECONDS
  if [ -z "${PORTAL_TEST_POSTGRES:-}" ]; then start_postgres; fi
  # Data tests marked for both databases, PostgreSQL-only tests, and the REST API tests with their host on PostgreSQL.
  PORTAL_TEST_API_PROVIDER=Postgres run_tests postgres Portal.Tests \
    --filter "Database=Postgres|FullyQualifiedName~Postgres|FullyQualifiedName~Portal.Tests.Api"
  run_tests postgres Portal.E2E --filter "FullyQualifiedName~Portal.E2E.Operations"
  postgres_seconds=$((SECONDS - postgres_started))
fi

count() { grep -hoE "$1: +[0-9]+" "$results"/*.log | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
echo
echo "time: ${sqlite_seconds}s SQLite part, ${postgres_seconds}s PostgreSQL part, $((SECONDS - started))s in all"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "${passed:-0}" -eq 0 ]; then status=1; fi
exit $status
