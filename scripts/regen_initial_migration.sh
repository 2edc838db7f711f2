#!/usr/bin/env bash
# Regenerate the single initial migration from the models. Only valid while no release has shipped: once a
# schema is in use, add a new revision with `alembic revision --autogenerate -m "…"` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f models/migrations/versions/0001_*.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from models.db import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001", head="base")
PY
f=$(ls models/migrations/versions/0001_*.py)
.venv/bin/ruff format -q "$f"; .venv/bin/ruff check -q --fix "$f" || true
rm -rf "$tmp"
echo "wrote $f"
