#!/usr/bin/env bash
# Checks the files GitHub and pre-commit read but no Rust test compiles:
# - action.yml, the workflows and the GitLab CI template against the schemas that
#   check-jsonschema vendors in its package (no network needed once installed), and both hook
#   manifests with pre-commit itself;
# - zizmor's security audits (offline) on action.yml, the workflows and every workflow example
#   in README.md and docs/: any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        python3 -m pip install --quiet --disable-pip-version-check "$2"
    fi
}
need check-jsonschema check-jsonschema
need pre-commit pre-commit
need zizmor zizmor==1.32.0

check-jsonschema --builtin-schema vendor.github-actions action.yml
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
check-jsonschema --builtin-schema vendor.gitlab-ci packaging/gitlab/jwtscan.gitlab-ci.yml
pre-commit validate-manifest .pre-commit-hooks.yaml packaging/pre-commit/.pre-commit-hooks.yaml

zizmor --offline --no-progress action.yml .github/workflows/

# Each ```yaml block that is a whole workflow (it has `jobs:`) becomes a file of its own.
examples=$(mktemp -d)
trap 'rm -rf "$examples"' EXIT
mkdir -p "$examples/.github/workflows"
python3 - "$examples/.github/workflows" README.md docs/*.md <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
count = 0
for doc in sys.argv[2:]:
    text = pathlib.Path(doc).read_text(encoding="utf-8")
    for block in re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M):
        if re.search(r"^jobs:", block, flags=re.M):
            count += 1
            name = f"{pathlib.Path(doc).stem}-{count}.yml"
            (out / name).write_text(block, encoding="utf-8")
if count == 0:
    sys.exit("no workflow examples found in the docs")
print(f"{count} workflow examples from README.md and docs/")
PY
check-jsonschema --builtin-schema vendor.github-workflows "$examples"/.github/workflows/*.yml
zizmor --offline --no-progress --config scripts/zizmor-examples.yml "$examples"/.github/workflows/
echo "CI files are valid and zizmor finds nothing: action.yml, .github/workflows, the GitLab template, the hook manifests, the docs' workflow examples"
