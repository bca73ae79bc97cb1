#!/usr/bin/env bash
# A new user's path from this repository to a deployable app, before the package is on nuget.org, exactly as README.md's
# "Install" section says, then a build the way Heroku's would make it:
#   1. create a brand-new `dotnet new web` app outside the repository;
#   2. pack HMetrics.Hosting with a prerelease suffix (-p:VersionSuffix=local.1) into hmetrics-feed/ inside the app;
#   3. give the app the README's nuget.config, read from README.md itself, which names that folder by a relative path;
#   4. `dotnet add package HMetrics.Hosting --prerelease` and the README's one line, `builder.Services.AddHerokuMetrics();`;
#   5. publish the app from a copy of its folder in another location, with an empty package cache and an empty home
#      directory (no user-level NuGet configuration, no feed but what the app carries and nuget.org), as Heroku's build does;
#   6. run that build against the dev sink (samples/HMetrics.DevSink) on 127.0.0.1 and wait until a report arrives there,
#      with no Warning in the app's log and the endpoint's secret nowhere in it.
#
#   bash scripts/install-from-local-feed.sh          (run by .ci/run; needs the .NET 10 SDK and the NuGet feed)
#
# Nothing outside a temporary folder changes: every restore of the new app uses a private package folder (NUGET_PACKAGES),
# so no HMetrics.Hosting lands in ~/.nuget/packages. The only network it uses is the NuGet feed, for the library's
# dependencies.
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
fail() { echo "install-from-local-feed: $*" >&2; exit 1; }

suffix=local.1

# Outside the repository: no Directory.Build.props, global.json or central package versions of ours apply.
step "creating a fresh 'dotnet new web' app"
mkdir -p "$work/laptop"
(cd "$work/laptop" && dotnet new web -o FirstHour --no-restore >"$work/new.log" 2>&1)
app_dir="$work/laptop/FirstHour"

step "packing HMetrics.Hosting $suffix into the app's hmetrics-feed/"
dotnet pack "$repo/src/HMetrics.Hosting" -c Release "-p:VersionSuffix=$suffix" -o "$app_dir/hmetrics-feed" -nologo -v q >"$work/pack.log" 2>&1
ls "$app_dir"/hmetrics-feed/HMetrics.Hosting.*-"$suffix".nupkg >/dev/null || fail "the pack has no -$suffix version"

# The README's nuget.config, verbatim: the fenced xml block after the README's marker, its list indentation removed.
step "writing the README's nuget.config"
awk '/install-from-local-feed.sh builds an app with this file/ { marked = 1; next }
     marked && /^ *```xml/ { inside = 1; next }
     inside && /^ *```/ { exit }
     inside { print }' "$repo/README.md" | sed 's/^   //' >"$app_dir/nuget.config"
grep -q 'value="hmetrics-feed"' "$app_dir/nuget.config" || fail "README.md has no nuget.config naming hmetrics-feed by a relative path after its marker"
if grep -q '<clear' "$app_dir/nuget.config"; then fail "the README's nuget.config has <clear />, which drops a user's other feeds"; fi

step "dotnet add package HMetrics.Hosting --prerelease"
(
  cd "$app_dir"
  NUGET_PACKAGES="$work/laptop-packages" dotnet add package HMetrics.Hosting --prerelease
) >"$work/add.log" 2>&1
grep -q "Include=\"HMetrics.Hosting\" Version=\"[0-9.]*-$suffix\"" "$app_dir/FirstHour.csproj" \
  || fail "the app does not reference the local prerelease: $(grep HMetrics "$app_dir/FirstHour.csproj")"

# The README's one line, right after the builder is created (the template writes CRLF line ends: keep them).
sed -i 's/^\(var builder = WebApplication.CreateBuilder(args);\)\(\r\?\)$/\1\2\nbuilder.Services.AddHerokuMetrics();\2/' "$app_dir/Program.cs"
grep -q '^builder.Services.AddHerokuMetrics();' "$app_dir/Program.cs"

# Heroku builds a copy of the repository in a folder of its own (/tmp/build_…), with an empty cache and a home directory
# that holds no NuGet configuration: only what the app carries can point at the feed. An absolute path to the feed, or
# a package found only in the developer's cache, fails here as it would there.
step "publishing from a copy of the app elsewhere, with an empty package cache and an empty home directory"
build_dir="$work/heroku/build_$RANDOM"
mkdir -p "$build_dir" "$work/heroku/home" "$work/heroku/packages"
tar -C "$app_dir" --exclude=./bin --exclude=./obj -cf - . | tar -C "$build_dir" -xf -
# The developer's folder is not on Heroku's machine: out of the way, an absolute path into it finds nothing.
mv "$work/laptop" "$work/laptop-elsewhere"
(
  cd "$build_dir"
  HOME="$work/heroku/home" NUGET_PACKAGES="$work/heroku/packages" \
    dotnet publish -c Release -o "$work/heroku/publish" -nologo -v q
) >"$work/publish.log" 2>&1 || fail "the copy did not build with an empty cache and no user configuration"
[ -d "$work/heroku/packages/hmetrics.hosting" ] || fail "the copy's restore did not take HMetrics.Hosting from the app's own feed"
[ -f "$work/heroku/publish/HMetrics.Hosting.dll" ] || fail "the published app has no HMetrics.Hosting.dll"

step "building the dev sink"
dotnet build "$repo/samples/HMetrics.DevSink" -c Release -nologo -v q -o "$work/sink" >"$work/build-sink.log" 2>&1

dotnet "$work/sink/HMetrics.DevSink.dll" --urls http://127.0.0.1:0 >"$work/sink.log" 2>&1 &
sink_pid=$!
sink=''
for _ in $(seq 300); do
  sink=$(sed -n 's/.*POST reports to \(http:[^ ]*\)\/metrics\/<dyno-id>.*/\1/p' "$work/sink.log" | head -n 1)
  [ -n "$sink" ] && break
  kill -0 "$sink_pid" 2>/dev/null || fail "the dev sink exited"
  sleep 0.1
done
[ -n "$sink" ] || fail "the dev sink did not say where it listens"
step "dev sink listening at $sink"

dyno=7d2c4a1e-9b3f-4e5d-8c6a-1f2e3d4c5b6a
(
  cd "$work/heroku/publish"
  HEROKU_METRICS_URL="$sink/metrics/$dyno" \
  HerokuMetrics__PostInterval=00:00:02 \
  ASPNETCORE_URLS=http://127.0.0.1:0 \
    exec dotnet FirstHour.dll
) >"$work/app.log" 2>&1 &
app_pid=$!

step "waiting for the published app's first report at the sink"
for _ in $(seq 120); do
  data=$(curl -fsS "$sink/api/data?dyno=/$dyno" 2>/dev/null || true)
  if echo "$data" | grep -q '"go.gc.collections"'; then
    grep -q 'Heroku metrics started' "$work/app.log" || fail "the app did not log that it started reporting"
    if grep -q "$dyno" "$work/app.log"; then fail "the app logged the endpoint's secret dyno id"; fi
    if grep -Eq '^(warn|fail|crit): ' "$work/app.log"; then fail "the app logged a Warning or worse: $(grep -E -A1 '^(warn|fail|crit): ' "$work/app.log")"; fi
    step "OK: an app built like a Heroku build, from its own feed folder and nuget.config, delivered a report to the dev sink"
    exit 0
  fi
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited"
  sleep 0.5
done
fail "no report arrived at the dev sink within 60 s"
