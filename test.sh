#!/usr/bin/env bash
# The one test command: installs what the tests need, builds with warnings as errors, checks that the
# migrations match the model, and runs every test project (unit, component, data and browser tests).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== restore"
dotnet tool restore >/dev/null
dotnet restore Portal.sln

echo "== build (warnings are errors)"
dotnet build Portal.sln -c Release --no-restore -warnaserror -nologo -clp:ErrorsOnly

echo "== migrations match the model"
dotnet ef migrations has-pending-model-changes --project Portal --context SqlitePortalDbContext --configuration Release --no-build

results=$(mktemp -d)
status=0
for project in Portal.Tests Portal.E2E; do
  echo "== $project"
  dotnet test "$project" -c Release --no-build --logger "console;verbosity=minimal" 2>&1 | tee "$results/$project.log" || status=1
done

count() { grep -hoE "$1: +[0-9]+" "$results"/*.log | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(count Passed)
failed=$(count Failed)
echo
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "${passed:-0}" -eq 0 ]; then status=1; fi
exit $status
