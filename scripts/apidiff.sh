#!/usr/bin/env bash
# Go-API compatibility gate: compares the exported API of client/ and the
# fakes (fake/, fake/*fake) with the same packages at a base ref (default:
# the previous commit) using golang.org/x/exp's apidiff, and fails on an
# incompatible change unless CHANGELOG.md's [Unreleased] "### Breaking"
# section names it: the changed identifier (a change to (*Kipu).GetUser is
# listed when GetUser is mentioned), or a name that the change swaps in or
# out of its signature (every method moving from ...Option to ...CallOption
# is listed by one entry that mentions Option or CallOption).
#
# usage: scripts/apidiff.sh [BASE_REF]    (env APIDIFF overrides the command)
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-${BASE:-HEAD~1}}"
apidiff="${APIDIFF:-go run golang.org/x/exp/cmd/apidiff@v0.0.0-20261113113407-e3970619a1a4}"
module=$(go list -m)

if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "apidiff: base ref '$base' does not exist in this clone; nothing to compare" >&2
  exit 0
fi

tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
git worktree add --quiet --detach "$tmp/base" "$base"

# The [Unreleased] section's Breaking list: from "### Breaking" to the next
# "### " or "## " heading.
breaking=$(awk '/^## \[Unreleased\]/{u=1;next} u&&/^## /{exit} u&&/^### Breaking/{b=1;next} u&&b&&/^### /{b=0} u&&b{print}' CHANGELOG.md)

status=0
for pkg in client fake $(cd fake && ls -d *fake); do
  case "$pkg" in fake|client) path="$pkg";; *) path="fake/$pkg";; esac
  if [ ! -d "$tmp/base/$path" ]; then
    echo "apidiff: $path is new since $base"
    continue
  fi
  exp="$tmp/$(echo "$path" | tr / _).export"
  if ! (cd "$tmp/base" && $apidiff -w "$exp" "$module/$path") 2>"$tmp/err"; then
    echo "apidiff: cannot read $path at $base; not compared:" >&2
    cat "$tmp/err" >&2
    continue
  fi
  $apidiff -incompatible "$exp" "$module/$path" >"$tmp/out" 2>&1 || true
  changes=$(grep -E '^- ' "$tmp/out" || true)
  if [ -z "$changes" ]; then
    echo "apidiff: $path: no incompatible change since $base"
    continue
  fi
  unlisted=""
  while IFS= read -r line; do
    # "- (*Kipu).GetUser: changed from ..." -> GetUser
    ident=$(echo "$line" | sed -E 's/^- ([^:]+):.*/\1/; s/.*\.//; s/[()*]//g')
    names="$ident"
    if [[ "$line" == *": changed from "* ]]; then
      from=$(sed -E 's/^[^:]+: changed from (.*) to .*$/\1/' <<<"$line")
      to=$(sed -E 's/^.* to (.*)$/\1/' <<<"$line")
      # The words on one side only: what the change swapped.
      names+=" $(comm -3 <(grep -oE '[A-Za-z_][A-Za-z0-9_]*' <<<"$from" | sort -u) \
                       <(grep -oE '[A-Za-z_][A-Za-z0-9_]*' <<<"$to" | sort -u) | tr -d '\t' | tr '\n' ' ')"
    fi
    listed=""
    for n in $names; do
      if grep -qw -- "$n" <<<"$breaking"; then listed=1; break; fi
    done
    if [ -z "$listed" ]; then
      unlisted+="$line"$'\n'
    fi
  done <<<"$changes"
  if [ -n "$unlisted" ]; then
    echo "apidiff: $path: incompatible changes since $base not listed under [Unreleased] ### Breaking in CHANGELOG.md:"
    printf '%s' "$unlisted"
    status=1
  else
    echo "apidiff: $path: $(wc -l <<<"$changes") incompatible change(s) since $base, all listed in CHANGELOG.md"
  fi
done
exit $status
