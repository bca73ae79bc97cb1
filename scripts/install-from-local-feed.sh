#!/usr/bin/env bash
# A new user's first hour, before the package is on nuget.org: pack HMetrics.Hosting into a folder, create a brand-new
# `dotnet new web` app elsewhere, `dotnet add package HMetrics.Hosting --source <folder>`, add the one line
# `builder.Services.AddHerokuMetrics();`, run it against the dev sink (samples/HMetrics.DevSink) on 127.0.0.1 and wait
# until a report arrives there.
#
#   bash scripts/install-from-local-feed.sh          (run by .ci/run; needs the .NET 10 SDK and the NuGet feed)
#
# Nothing outside a temporary folder changes: the new app restores into a private package folder (NUGET_PACKAGES), so
# the HMetrics.Hosting it installs never lands in ~/.nuget/packages, where a later pack of the same version would be
# shadowed by this stale copy. The only network it uses is the configured NuGet feed, for the library's dependencies.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d "${TMPDIR:-/tmp}/hmetrics-first-hour.XXXXXX")
sink_pid='' app_pid=''
cleanup() {
  local status=$?
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 40 "$log"; }; done >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
step() { echo "install-from-local-feed: $*"; }

feed="$work/feed"
step "packing HMetrics.Hosting into $feed"
dotnet pack "$repo/src/HMetrics.Hosting" -c Release -o "$feed" -nologo -v q >"$work/pack.log" 2>&1
ls "$feed"/HMetrics.Hosting.*.nupkg >/dev/null

# Outside the repository: no Directory.Build.props, global.json or central package versions of ours apply.
step "creating a fresh 'dotnet new web' app"
export NUGET_PACKAGES="$work/packages"
(cd "$work" && dotnet new web -o FirstHour --no-restore >"$work/new.log" 2>&1)
app_dir="$work/FirstHour"

# The folder becomes a package source of the app, next to nuget.org, in the app's own nuget.config. Not
# `dotnet add package --source <folder>` alone: --source replaces the configured feeds for that restore, so the
# library's dependencies (Polly.Core, Microsoft.Extensions.*) are not found unless already cached, and the app's
# next restore (CI, the Heroku build) would not find HMetrics.Hosting again.
step "adding $feed as a package source and running dotnet add package HMetrics.Hosting"
(
  cd "$app_dir"
  dotnet new nugetconfig
  dotnet nuget add source "$feed" --name hmetrics-local --configfile nuget.config
  dotnet add package HMetrics.Hosting
) >"$work/add.log" 2>&1
grep -q 'Include="HMetrics.Hosting"' "$app_dir/FirstHour.csproj"

# The README's one line, right after the builder is created (the template writes CRLF line ends: keep them).
sed -i 's/^\(var builder = WebApplication.CreateBuilder(args);\)\(\r\?\)$/\1\2\nbuilder.Services.AddHerokuMetrics();\2/' "$app_dir/Program.cs"
grep -q '^builder.Services.AddHerokuMetrics();' "$app_dir/Program.cs"

step "building the app and the dev sink"
dotnet build "$app_dir" -c Release -nologo -v q -o "$work/app" >"$work/build-app.log" 2>&1
unset NUGET_PACKAGES   # the dev sink is part of this repository and restores like the rest of it
dotnet build "$repo/samples/HMetrics.DevSink" -c Release -nologo -v q -o "$work/sink" >"$work/build-sink.log" 2>&1

dotnet "$work/sink/HMetrics.DevSink.dll" --urls http://127.0.0.1:0 >"$work/sink.log" 2>&1 &
sink_pid=$!
sink=''
for _ in $(seq 300); do
  sink=$(sed -n 's/.*POST reports to \(http:[^ ]*\)\/metrics\/<dyno-id>.*/\1/p' "$work/sink.log" | head -n 1)
  [ -n "$sink" ] && break
  kill -0 "$sink_pid" 2>/dev/null || { echo "the dev sink exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$sink" ] || { echo "the dev sink did not say where it listens" >&2; exit 1; }
step "dev sink listening at $sink"

dyno=7d2c4a1e-9b3f-4e5d-8c6a-1f2e3d4c5b6a
(
  cd "$work/app"
  HEROKU_METRICS_URL="$sink/metrics/$dyno" \
  HerokuMetrics__PostInterval=00:00:02 \
  ASPNETCORE_URLS=http://127.0.0.1:0 \
    exec dotnet FirstHour.dll
) >"$work/app.log" 2>&1 &
app_pid=$!

step "waiting for the app's first report at the sink"
for _ in $(seq 120); do
  data=$(curl -fsS "$sink/api/data?dyno=/$dyno" 2>/dev/null || true)
  if echo "$data" | grep -q '"go.gc.collections"'; then
    grep -q 'Heroku metrics started' "$work/app.log" || { echo "the app did not log that it started reporting" >&2; exit 1; }
    if grep -q "$dyno" "$work/app.log"; then echo "the app logged the endpoint's secret dyno id" >&2; exit 1; fi
    step "OK: a fresh app with the locally packed package delivered a report to the dev sink"
    exit 0
  fi
  kill -0 "$app_pid" 2>/dev/null || { echo "the app exited" >&2; exit 1; }
  sleep 0.5
done
echo "no report arrived at the dev sink within 60 s" >&2
exit 1
