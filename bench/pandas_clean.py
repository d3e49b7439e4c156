"""The cleaning `sluice preprocess` does, written the way a pandas user would.

usage: /usr/bin/python3 bench/pandas_clean.py <input.csv> <output dir>
Prints one JSON line: {"ms": ..., "maxRssMb": ..., "rowsIn": ..., "rowsOut": ..., "format": ...}.

Steps, as close to Sluice's as pandas makes easy: read every cell as text
(skipping ragged rows), trim whitespace, turn null tokens into NaN, drop exact
duplicate rows, then per column try numbers (currency symbols and codes,
thousands separators, accounting negatives, percent), booleans and dates; a
column takes a type when 95% of its values parse, leading-zero codes stay text.
Debian's pandas has no Parquet engine (no pyarrow), so the output is CSV.
"""
import json
import os
import resource
import sys
import time

import pandas as pd

NULL_TOKENS = ["", "NA", "N/A", "n/a", "null", "NULL", "None", "-", "NaN", "#N/A"]
MIN_SHARE = 0.95
CURRENCY = r"^[+-]?\s*(?:[$€£¥₹]|USD|EUR|GBP|JPY|CHF)\s*|\s*(?:[$€£¥₹%]|USD|EUR|GBP|JPY|CHF)$"
BOOLEANS = {"true": True, "t": True, "yes": True, "y": True, "false": False, "f": False, "no": False, "n": False}


def parse_numbers(s: pd.Series) -> pd.Series:
    negative = s.str.match(r"^\(.*\)$", na=False)
    body = s.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(CURRENCY, "", regex=True).str.replace(",", "", regex=False)
    values = pd.to_numeric(body, errors="coerce")
    values[negative] = -values[negative]
    percent = s.str.endswith("%", na=False)
    values[percent] = values[percent] / 100
    return values


def clean(path: str, out_dir: str) -> dict:
    started = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False, on_bad_lines="skip", engine="c")
    rows_in = len(df)
    df.columns = [c.strip().lower().replace(" ", "_").replace("?", "").replace("%", "pct") for c in df.columns]
    for c in df.columns:
        df[c] = df[c].str.strip()
    df = df.replace(NULL_TOKENS, pd.NA)
    df = df.drop_duplicates()
    for c in df.columns:
        s = df[c]
        present = s.notna().sum()
        if present == 0:
            continue
        if s.str.match(r"^[+-]?0\d", na=False).any():
            continue  # leading-zero codes (zip codes) stay text
        nums = parse_numbers(s)
        if nums.notna().sum() >= MIN_SHARE * present:
            df[c] = nums
            continue
        lower = s.str.lower()
        if lower.isin(BOOLEANS.keys()).sum() >= MIN_SHARE * present:
            df[c] = lower.map(BOOLEANS)
            continue
        dates = pd.to_datetime(s, errors="coerce", infer_datetime_format=True, utc=True)
        if dates.notna().sum() >= MIN_SHARE * present:
            df[c] = dates
    os.makedirs(out_dir, exist_ok=True)
    df.to_csv(os.path.join(out_dir, "clean.csv"), index=False)
    ms = (time.perf_counter() - started) * 1000
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"ms": ms, "maxRssMb": max_rss_mb, "rowsIn": rows_in, "rowsOut": len(df), "format": "csv"}


if __name__ == "__main__":
    print(json.dumps(clean(sys.argv[1], sys.argv[2])))
