#!/usr/bin/env bash
# Checks a pull request with Kiln, in any CI: validates the head's specs and writes what merging would do to
# kiln-plan.md (Markdown, ready to post as a PR comment).
#
#   kiln-pr-check.sh BASE [HEAD] [SPEC_ROOT]
#
# BASE and HEAD are revisions of the repository in the current folder (commit ids, branches or tags; HEAD by
# default). Exit 0 when the plan is empty or has changes, 1 when the head is invalid (kiln-plan.md says why),
# 2 on a usage error. A plan over the deletion budget is flagged DESTRUCTIVE in kiln-plan.md.
set -uo pipefail
base=${1:?usage: kiln-pr-check.sh BASE [HEAD] [SPEC_ROOT]}
head=${2:-HEAD}
root=${3:-.}
kiln=${KILN:-kiln}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The plan reads both commits straight from git; no catalog is used (--data-dir is a scratch folder).
"$kiln" plan --repo . --path "$root" --from "$base" --to "$head" --data-dir "$scratch" --format markdown > kiln-plan.md
code=$?
cat kiln-plan.md
case $code in
    0) echo "kiln: no changes" >&2; exit 0 ;;
    3) echo "kiln: the pull request changes desired state (see kiln-plan.md)" >&2; exit 0 ;;
    *) exit "$code" ;;
esac
