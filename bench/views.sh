#!/usr/bin/env bash
# The leaders' views at national scale, Hài Lòng's aggregates beside DuckDB scanning the same
# raw rows (issue 4). Figures, not a test: see docs/BENCHMARKS.md.
#
#   bench/views.sh [RATINGS] [DOSSIERS]        # default 10,000,000 ratings, 5,000,000 dossiers
#
# Generates the data set over the 3,321 communes of ../shared/data once per size (kept in
# target/bench-data), loads it into SQLite and PostgreSQL (HAILONG_BENCH_PG, default
# postgres://postgres@127.0.0.1:5432/hl_bench_views; skipped when unreachable), exports the raw
# rows as CSV, runs `cargo bench --bench views` on each database and DuckDB (from PyPI, in a
# virtualenv under target/) on the CSV files, and prints the figures side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
RATINGS=${1:-10000000}
DOSSIERS=${2:-5000000}
DATA=target/bench-data/r${RATINGS}-d${DOSSIERS}
PG_URL=${HAILONG_BENCH_PG:-postgres://postgres@127.0.0.1:5432/hl_bench_views}
mkdir -p "$DATA"
cargo build --release --quiet
BIN=target/release/hailong
OUT=$DATA/figures.txt
: > "$OUT"

if [ ! -f "$DATA/national.db" ]; then
  echo "== generating and loading $RATINGS ratings, $DOSSIERS dossiers into SQLite"
  rm -rf "$DATA/gen"
  "$BIN" --database-url "sqlite://$DATA/national.db" demo generate \
    --ratings "$RATINGS" --dossiers "$DOSSIERS" --out "$DATA/gen" --load
fi
if [ ! -f "$DATA/raw/ratings.csv" ]; then
  echo "== exporting raw rows for DuckDB"
  "$BIN" --database-url "sqlite://$DATA/national.db" export raw --out "$DATA/raw"
fi

echo "== Hài Lòng on SQLite"
HAILONG_BENCH_DATABASE_URL="sqlite://$DATA/national.db" cargo bench --quiet --bench views | tee -a "$OUT"

PG_ADMIN=${PG_URL%/*}/postgres
PG_DB=${PG_URL##*/}
if psql "$PG_ADMIN" -qtAc 'SELECT 1' >/dev/null 2>&1; then
  if ! psql "$PG_ADMIN" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
    echo "== loading the same generated files into PostgreSQL"
    psql "$PG_ADMIN" -qc "CREATE DATABASE \"$PG_DB\""
    "$BIN" --database-url "$PG_URL" demo generate \
      --ratings "$RATINGS" --dossiers "$DOSSIERS" --out "$DATA/gen" --load
  fi
  echo "== Hài Lòng on PostgreSQL"
  HAILONG_BENCH_DATABASE_URL="$PG_URL" cargo bench --quiet --bench views | tee -a "$OUT"
else
  echo "== PostgreSQL not reachable at $PG_ADMIN: skipped"
fi

echo "== DuckDB over the raw rows"
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import duckdb' 2>/dev/null || "$VENV/bin/pip" install --quiet duckdb
TARGET=$(grep -m1 '^TARGET ' "$OUT" | cut -d' ' -f2-)
read -r PROVINCE COMMUNE MONTH < <(python3 -c 'import json,sys; t=json.loads(sys.argv[1]); print(t["province"], t["commune"], t["month"])' "$TARGET")
"$VENV/bin/python" bench/duckdb_views.py "$DATA/raw" "$PROVINCE" "$COMMUNE" "$MONTH" | tee -a "$OUT"

echo
echo "== p95 in ms, side by side (warm)"
python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l[5:]) for l in open(sys.argv[1]) if l.startswith("JSON ")]
engines = []
for r in rows:
    key = (r["engine"], r["how"])
    if key not in engines:
        engines.append(key)
views = []
for r in rows:
    if r["view"] not in views:
        views.append(r["view"])
p95 = {(r["engine"], r["how"], r["view"]): r["p95_ms"] for r in rows}
width = 2 + max(len(e) + 1 + len(h) for e, h in engines)
head = "".join(f"{e + ' ' + h:>{width}}" for e, h in engines)
print(f"{'view':<40}{head}")
for v in views:
    cells = "".join(f"{p95.get((e, h, v), float('nan')):>{width}.2f}" for e, h in engines)
    print(f"{v:<40}{cells}")
duck = {r["view"]: r["p95_ms"] for r in rows if r["engine"] == "duckdb"}
for e, h in engines:
    if e == "duckdb":
        continue
    ratios = [duck[v] / p95[(e, h, v)] for v in views if v in duck and (e, h, v) in p95]
    if ratios:
        print(f"{e} {h} is {min(ratios):.1f}× to {max(ratios):.1f}× faster than DuckDB's raw scan (p95)")
PY
