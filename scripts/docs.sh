#!/usr/bin/env bash
# Builds the API reference: one self-contained HTML page per api/*.yaml
# (Redocly's build-docs, pinned in docs/package.json) and an index page,
# into OUT (default build/docs). Not committed: the pages are reproducible
# from the documents and the pinned tool, and CI builds and checks them.
#
# usage: scripts/docs.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/docs}"
redocly=docs/node_modules/.bin/redocly
if [ ! -x "$redocly" ]; then
  (cd docs && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p "$out"
items=""
for doc in api/*.yaml; do
  name=$(basename "$doc" .yaml)
  # --inlineBundle: Redoc inside the page, not from a CDN (self-contained,
  # readable offline). The tool's banners go to a log, shown on failure.
  # --openapi.disableTelemetry: the page sends no usage events from the
  # reader's browser to Redocly (self-contained and offline; tests/docs fails
  # on any request leaving the page's server); REDOCLY_TELEMETRY=off: nor
  # does the CLI.
  if ! REDOCLY_TELEMETRY=off "$redocly" build-docs "$doc" --inlineBundle --openapi.disableTelemetry=true --output "$out/$name.html" >"$out/.$name.log" 2>&1; then
    cat "$out/.$name.log" >&2
    exit 1
  fi
  rm -f "$out/.$name.log"
  # Fully self-contained: the "API docs by Redocly" logo points at Redocly's
  # CDN even with --inlineBundle, and a browser asks for /favicon.ico. An
  # empty inline SVG and an empty inline icon keep the page from reaching
  # out (and from logging load errors when offline).
  sed -i -e "s#https://cdn.redoc.ly/redoc/logo-mini-full.svg#data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E#g" \
    -e "s#https://cdn.redoc.ly/redoc/logo-mini.svg#data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E#g" \
    -e '0,/<meta charset/s##<link rel="icon" href="data:,"><meta charset#' "$out/$name.html"
  title=$(awk '/^info:/{f=1;next} f&&/^  title:/{sub(/^  title:[ ]*/,"");gsub(/["'"'"']/,"");print;exit}' "$doc")
  version=$(awk '/^info:/{f=1;next} f&&/^  version:/{sub(/^  version:[ ]*/,"");gsub(/["'"'"']/,"");print;exit}' "$doc")
  items+="    <li><a href=\"$name.html\">$title</a> <small>(api/$name.yaml, version $version)</small></li>"$'\n'
done
cat >"$out/index.html" <<HTML
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>userapis-go API reference</title></head>
<body>
  <h1>userapis-go API reference</h1>
  <p>The contract of each service as this module documents it: <code>api/*.yaml</code>, rendered.
  Each page opens with what was chosen where the seed SDKs and upstream disagree.</p>
  <ul>
$items  </ul>
</body>
</html>
HTML
echo "docs: $(ls "$out" | wc -l) pages in $out (open $out/index.html)"
