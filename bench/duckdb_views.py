"""DuckDB's latency for the leaders' views over the raw rows that `hailong export raw` wrote,
the reference for Hài Lòng's aggregates (issue 4). DuckDB comes from PyPI for this script only;
it is never a dependency of the service.

    python bench/duckdb_views.py DIR PROVINCE_ID COMMUNE_ID YYYY-MM [--runs 50]

Each view runs the queries a page needs (a dashboard is several) over raw ratings, answers and
dossiers, warm (tables loaded in memory first, not timed), and prints p50/p95/p99 and one JSON
line per view like `cargo bench --bench views` does.
"""

import argparse
import json
import statistics
import time

import duckdb

OFFSET_MS = 7 * 3600 * 1000  # Vietnam is UTC+7, without daylight saving


def load(con, d):
    con.execute(f"CREATE TABLE units AS SELECT * FROM read_csv_auto('{d}/units.csv', header=true)")
    con.execute(f"CREATE TABLE officials AS SELECT * FROM read_csv_auto('{d}/officials.csv', header=true)")
    # Local wall time computed at load, as a store of raw rows would keep it.
    con.execute(
        f"""CREATE TABLE ratings AS SELECT *,
              make_timestamp((rated_at + {OFFSET_MS}) * 1000) AS local_at,
              CAST(strftime(make_timestamp((rated_at + {OFFSET_MS}) * 1000), '%Y%m') AS INTEGER) AS ym
            FROM read_csv_auto('{d}/ratings.csv', header=true)"""
    )
    con.execute(
        f"CREATE TABLE rating_answers AS SELECT * FROM read_csv_auto('{d}/rating_answers.csv', header=true)"
    )
    con.execute(
        f"""CREATE TABLE dossiers AS SELECT *,
              CAST(strftime(make_timestamp((received_at + {OFFSET_MS}) * 1000), '%Y%m') AS INTEGER) AS recv_ym,
              CAST(strftime(make_timestamp((finished_at + {OFFSET_MS}) * 1000), '%Y%m') AS INTEGER) AS fin_ym,
              CAST(make_timestamp((finished_at + {OFFSET_MS}) * 1000) AS DATE) AS fin_day,
              CAST(make_timestamp((due_at + {OFFSET_MS}) * 1000) AS DATE) AS due_day
            FROM read_csv_auto('{d}/dossiers.csv', header=true)"""
    )
    # Every unit with each of its ancestors (itself included): the subtree of any unit.
    con.execute(
        """CREATE TABLE anc AS WITH RECURSIVE a(unit_id, ancestor_id) AS (
               SELECT id, id FROM units
               UNION ALL
               SELECT a.unit_id, u.parent_id FROM a JOIN units u ON u.id = a.ancestor_id
               WHERE u.parent_id IS NOT NULL)
           SELECT * FROM a"""
    )


def levels(r=""):
    """Ballots, satisfied, very satisfied, offered "very satisfied", flagged (of alias r)."""
    p = f"{r}." if r else ""
    return f"""count(*) FILTER (WHERE {p}flagged = 0) AS ballots,
    count(*) FILTER (WHERE {p}flagged = 0 AND {p}level >= 4) AS satisfied,
    count(*) FILTER (WHERE {p}flagged = 0 AND {p}level = 5) AS very,
    count(*) FILTER (WHERE {p}flagged = 0 AND {p}scale <> 2) AS top_offered,
    count(*) FILTER (WHERE {p}flagged = 1) AS flagged"""


LEVELS = levels()


def wilson_low(sat, n):
    return f"""CASE WHEN {n} = 0 THEN NULL ELSE
        (({sat} * 1.0 / {n}) + 3.8415 / (2 * {n})
         - 1.96 * sqrt(({sat} * 1.0 / {n}) * (1 - {sat} * 1.0 / {n}) / {n} + 3.8415 / (4 * {n} * {n})))
        / (1 + 3.8415 / {n}) END"""


def dashboard(unit, first, last, trend_first):
    """The queries behind one dashboard: headline, questions, counters, sub-units, officials,
    24-month trend, hour of week, and the dossier figures (with open-and-overdue at the end)."""
    sub = f"SELECT unit_id FROM anc WHERE ancestor_id = {unit}"
    r = f"FROM ratings WHERE unit_id IN ({sub}) AND ym BETWEEN {first} AND {last}"
    d = f"FROM dossiers WHERE unit_id IN ({sub})"
    return [
        f"SELECT {LEVELS}, count(*) FILTER (WHERE level = 1), count(*) FILTER (WHERE level = 2), count(*) FILTER (WHERE level = 3) {r}",
        f"""SELECT a.question_key, a.level, count(*) FROM rating_answers a JOIN ratings r ON r.id = a.rating_id
            WHERE r.flagged = 0 AND r.unit_id IN ({sub}) AND r.ym BETWEEN {first} AND {last} GROUP BY ALL""",
        f"SELECT counter_id, {LEVELS} {r} GROUP BY counter_id",
        f"""SELECT u.id, {levels('r')} FROM units u JOIN anc ON anc.ancestor_id = u.id JOIN ratings r ON r.unit_id = anc.unit_id
            WHERE u.parent_id = {unit} AND r.ym BETWEEN {first} AND {last} GROUP BY u.id""",
        f"SELECT official_id, {LEVELS} {r} GROUP BY official_id",
        f"SELECT ym, {LEVELS} FROM ratings WHERE unit_id IN ({sub}) AND ym BETWEEN {trend_first} AND {last} GROUP BY ym",
        f"SELECT dayofweek(local_at), hour(local_at), {LEVELS} {r} GROUP BY ALL",
        f"""SELECT count(*) FILTER (WHERE recv_ym BETWEEN {first} AND {last}),
                count(*) FILTER (WHERE recv_ym BETWEEN {first} AND {last} AND channel = 2),
                count(*) FILTER (WHERE fin_ym BETWEEN {first} AND {last}),
                count(*) FILTER (WHERE fin_ym BETWEEN {first} AND {last} AND supplement_count <= 1 AND fin_day < due_day),
                count(*) FILTER (WHERE fin_ym BETWEEN {first} AND {last} AND supplement_count <= 1 AND fin_day = due_day),
                count(*) FILTER (WHERE recv_ym <= {last} AND (fin_ym IS NULL OR fin_ym > {last})
                                 AND status NOT IN (3, 7, 8) AND CAST(strftime(due_day, '%Y%m') AS INTEGER) <= {last})
            {d} AND received_at IS NOT NULL AND due_at IS NOT NULL""",
        f"""SELECT recv_ym, count(*), count(*) FILTER (WHERE channel = 2) {d}
            AND recv_ym BETWEEN {trend_first} AND {last} GROUP BY recv_ym""",
    ]


def official_report(unit, month):
    return [
        f"""SELECT official_id, scale, level, flagged, count(*) FROM ratings
            WHERE unit_id IN (SELECT unit_id FROM anc WHERE ancestor_id = {unit}) AND ym = {month}
            GROUP BY ALL"""
    ]


def ranking(first, last):
    return [
        f"""WITH c AS (SELECT u.id, u.name, count(r.id) FILTER (WHERE r.flagged = 0) AS n,
                    count(r.id) FILTER (WHERE r.flagged = 0 AND r.level >= 4) AS s
                FROM units u LEFT JOIN ratings r ON r.unit_id = u.id AND r.ym BETWEEN {first} AND {last}
                WHERE u.level = 'commune' GROUP BY u.id, u.name)
            SELECT id, name, n, s, {wilson_low('s', 'n')} AS low FROM c ORDER BY n < 30, low DESC NULLS LAST"""
    ]


def timed(con, queries, runs):
    for _ in range(3):
        for q in queries:
            con.execute(q).fetchall()
    lat = []
    for _ in range(runs):
        t = time.perf_counter()
        for q in queries:
            con.execute(q).fetchall()
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    q = lambda p: lat[min(int(len(lat) * p), len(lat) - 1)]
    return q(0.5), q(0.95), q(0.99)


def months_back(ym, k):
    y, m = divmod(ym, 100)
    total = y * 12 + (m - 1) - k
    return (total // 12) * 100 + total % 12 + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("province", type=int)
    ap.add_argument("commune", type=int)
    ap.add_argument("month")
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    y, m = map(int, a.month.split("-"))
    ym = y * 100 + m
    con = duckdb.connect()
    t = time.perf_counter()
    load(con, a.dir)
    n = con.execute("SELECT count(*) FROM ratings").fetchone()[0]
    nd = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb {duckdb.__version__}: {n} ratings, {nd} dossiers loaded in {time.perf_counter() - t:.1f} s; {threads} threads; {a.runs} warm runs each")
    views = [
        ("dashboard: province, month", dashboard(a.province, ym, ym, months_back(ym, 23))),
        ("dashboard: commune, year", dashboard(a.commune, y * 100 + 1, y * 100 + 12, months_back(y * 100 + 12, 23))),
        ("per-official monthly report: province", official_report(a.province, ym)),
        ("ranking of all communes: month", ranking(ym, ym)),
        ("ranking of all communes: year", ranking(y * 100 + 1, y * 100 + 12)),
    ]
    for name, qs in views:
        p50, p95, p99 = timed(con, qs, a.runs)
        print(f"duckdb    {name:<44} raw scan   p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  p99 {p99:7.2f} ms  ({len(qs)} queries)")
        print("JSON " + json.dumps({"engine": "duckdb", "view": name, "how": "raw scan", "p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "p99_ms": round(p99, 3)}))


if __name__ == "__main__":
    main()
