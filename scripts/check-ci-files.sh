#!/usr/bin/env bash
# Validates the files GitHub and pre-commit read but no Rust test compiles: action.yml and the
# workflows against the schemas that check-jsonschema vendors in its package (so the check needs
# no network once installed), and the hooks manifest with pre-commit itself.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        python3 -m pip install --quiet --disable-pip-version-check "$2"
    fi
}
need check-jsonschema check-jsonschema
need pre-commit pre-commit

check-jsonschema --builtin-schema vendor.github-actions action.yml
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
pre-commit validate-manifest .pre-commit-hooks.yaml
echo "CI files are valid: action.yml, .github/workflows/*.yml, .pre-commit-hooks.yaml"
