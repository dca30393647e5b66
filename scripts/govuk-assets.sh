#!/usr/bin/env bash
# Copies the GOV.UK Design System's assets from node_modules (after `npm ci`) to where the pages
# serve them. govuk-frontend's CSS points at /assets/ from the site root; served under /static/
# those URLs must be relative, so copy only what pages need and rewrite them.
# Used by scripts/bootstrap.sh and the Dockerfile. Run from the repository's root.
set -euo pipefail
source_dir=node_modules/govuk-frontend/dist/govuk
assets_dir=joinedup/web/assets/govuk
rm -rf "$assets_dir" && mkdir -p "$assets_dir"
cp -r "$source_dir/assets" "$source_dir"/govuk-frontend.min.js* "$source_dir/govuk-frontend.min.css.map" "$assets_dir/"
sed 's#url(/assets/#url(assets/#g' "$source_dir/govuk-frontend.min.css" > "$assets_dir/govuk-frontend.min.css"
