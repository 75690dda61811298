#!/usr/bin/env bash
# Breaking-change gate: compares each api/*.yaml with the same file at a base
# ref (default: the previous commit) using oasdiff, and fails on a breaking
# change unless the document's info.version major was raised.
#
# usage: scripts/breaking.sh [BASE_REF]    (env OASDIFF overrides the command)
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-${BASE:-HEAD~1}}"
oasdiff="${OASDIFF:-go run github.com/oasdiff/oasdiff@v1.35.0}"

if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "breaking: base ref '$base' does not exist in this clone; nothing to compare" >&2
  exit 0
fi

# info.version of a document on stdin: the first "version:" under "info:".
info_version() {
  awk '/^info:/{f=1;next} f&&/^[^ ]/{f=0} f&&/^  version:/{sub(/^  version:[ ]*/,"");gsub(/["'"'"']/,"");print;exit}'
}
major() { echo "${1%%.*}"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for doc in api/*.yaml; do
  if ! git cat-file -e "$base:$doc" 2>/dev/null; then
    echo "breaking: $doc is new since $base"
    continue
  fi
  git show "$base:$doc" >"$tmp/base.yaml"
  # --flatten-allof: a schema wrapped in allOf (as for an x-go-type) is compared
  # as what it describes, not branch by branch.
  if $oasdiff breaking "$tmp/base.yaml" "$doc" --flatten-allof --fail-on ERR --format text >"$tmp/out.txt" 2>&1; then
    echo "breaking: $doc: no breaking change since $base"
    continue
  fi
  old=$(info_version <"$tmp/base.yaml"); new=$(info_version <"$doc")
  if [ -n "$old" ] && [ -n "$new" ] && [ "$(major "$new")" -gt "$(major "$old")" ] 2>/dev/null; then
    echo "breaking: $doc: breaking changes allowed, info.version major raised $old -> $new"
    continue
  fi
  echo "breaking: $doc: BREAKING changes since $base (info.version $old -> $new; raise the major to allow):"
  cat "$tmp/out.txt"
  status=1
done
exit $status
