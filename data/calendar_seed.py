#!/usr/bin/env python3
"""Prints the INSERT statements that seed `calendar_days` from the two CSV files next to this
script (public holidays and make-up Saturdays, generated from the `holidays` Python package,
MIT). The same output is pasted into migrations/sqlite/0002_calendar.sql and
migrations/postgres/0002_calendar.sql:

    python3 data/calendar_seed.py

Holidays are announced every year: after seeding they are data that administrators edit on the
/calendar page, not code. tests/calendar.rs checks that a fresh database holds exactly these rows.
"""
import csv
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def q(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    with open(os.path.join(HERE, "vn-holidays-2018-2030.csv"), newline="", encoding="utf-8") as f:
        holidays = list(csv.DictReader(f))
    with open(os.path.join(HERE, "vn-weekend-workdays.csv"), newline="", encoding="utf-8") as f:
        workdays = list(csv.DictReader(f))
    # "Ngày nghỉ (thay cho ngày 22/08/2026)" on 2026-08-31: the make-up Saturday 2026-08-22
    # is worked in exchange for the day off on 2026-08-31.
    swapped = {}
    for h in holidays:
        m = re.search(r"thay cho ngày (\d\d)/(\d\d)/(\d{4})", h["name_vi"])
        if m:
            swapped[f"{m[3]}-{m[2]}-{m[1]}"] = h["date"]
    rows = []
    for h in holidays:
        rows.append((h["date"], "holiday", h["name_vi"], h["name_en"]))
    for w in workdays:
        off = swapped.get(w["date"])
        if off:
            y, m, d = off.split("-")
            rows.append((w["date"], "workday", f"Ngày làm bù (cho ngày nghỉ {d}/{m}/{y})",
                         f"Make-up working day (for the day off on {y}-{m}-{d})"))
        else:
            rows.append((w["date"], "workday", "Ngày làm bù", "Make-up working day"))
    rows.sort()
    print("INSERT INTO calendar_days (day, kind, name_vi, name_en, updated_at) VALUES")
    print(",\n".join(f"({q(d)}, {q(k)}, {q(vi)}, {q(en)}, 0)" for d, k, vi, en in rows) + ";")


if __name__ == "__main__":
    main()
