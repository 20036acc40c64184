"""Deterministic national-scale landing files, in the publishers' layouts, from the real samples.

``python bench/scale_generate.py [OUT] [--years N] [--scale F] [--seed S] [--end YYYY-MM]`` writes
into OUT (default ``.local/scale/landing``) one file per period of every monthly and quarterly
source, for the ``N * 12`` months ending at ``--end`` (April 2026, the month of the real RTT
extract), named as the publisher names them so that the real landing scan and loaders take them:

- rtt: the real April 2026 full extract (tests/data/rtt: 180,781 rows a month at --scale 1),
  ``<YYYYMMDD>-RTT-<Month>-<Year>-full-extract.csv.zip``;
- ae: the real Monthly-AE-August-2024.csv (~200 rows), ``Monthly-AE-<Month>-<Year>.csv``;
- cancer (CWT): the April 2025 rows of the real CWT-CRS extract, its 25 trusts expanded to every
  ETR trust (~14,000 rows), ``CWT-CRS-<Mon>-<Year>-to-<Mon>-<Year>-Data-Extract-Provider.xlsx``;
- dm01: the real May 2025 web file (.xls, ~3,700 rows, both sheets), written as
  ``Monthly-Diagnostics-Web-File-Provider-<Month>-<Year>.xlsx``;
- mhsds: MHSDS Data_AprPerf_2025.csv (55 rows), ``MHSDS Data_<Mon>Perf_<Year>.csv``;
- finance (quarterly): finance-positions-2025-26-Q3.csv, trusts expanded to the ETR list,
  ``finance-positions-<FY>-Q<n>.csv``;
- ods (quarterly vintages): etr_2025-Q1.csv, ``etr_<Year>-Q<n>.csv``; a trust appears from its
  opening date (the ETR's column 11), so earlier vintages have fewer trusts;
- nof, cqc, staff survey, ODS mappings: copied once as published.

Only periods and trust sets change: the values are the real sample's values (the same every
month), so what is measured is the volume, not the variety. ``--scale F`` keeps the fraction F of
trusts (a trust is kept when a seeded hash of its code is below F, so the same trusts in every
source and month); national/total rows are always kept. The same seed and arguments give
byte-identical files (fixed ZIP timestamps, no clock or random state outside the seed).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import shutil
import sys
import zipfile
from calendar import monthrange
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "sample_data"
# the whole published April 2026 extract (180,781 rows); sample_data/rtt holds a 10,360-row cut of it
RTT_FULL = REPO_ROOT / "tests" / "data" / "rtt" / "20260430-RTT-April-2026-full-extract.csv.zip"
DEFAULT_OUT = REPO_ROOT / ".local" / "scale" / "landing"
MONTH_NAMES = tuple(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
MONTHLY = ("rtt", "ae", "cancer_extract", "dm01", "mhsds")
QUARTERLY = ("finance", "ods_trusts")
COPIED = ("nof", "cqc", "staff_survey", "ods_mappings")
ALL_SOURCES = (*MONTHLY, *QUARTERLY, *COPIED)


@dataclass(frozen=True)
class Plan:
    out: Path
    months: tuple[date, ...]
    scale: float
    seed: int

    def keep(self, code: str) -> bool:
        """A trust kept at this scale: the same answer in every source and month."""
        if self.scale >= 1:
            return True
        digest = hashlib.sha256(f"{self.seed}:{code.strip()}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.scale

    @property
    def quarters(self) -> tuple[date, ...]:
        """First months of the (calendar) quarters the window covers, from its first whole one."""
        return tuple(m for m in self.months if m.month in (1, 4, 7, 10))


def months_ending(end: date, count: int) -> tuple[date, ...]:
    index = end.year * 12 + end.month - 1
    return tuple(date((i // 12), i % 12 + 1, 1) for i in range(index - count + 1, index + 1))


def month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def financial_year(month: date) -> tuple[int, int]:
    """(first calendar year of the financial year, quarter 1-4) of a month."""
    first = month.year if month.month >= 4 else month.year - 1
    return first, (month.month - 4) % 12 // 3 + 1


# ---------------------------------------------------------------- helpers


def _write_csv(
    path: Path, header: list[str], rows: list[list[str]], quoting: int = csv.QUOTE_MINIMAL
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=quoting, lineterminator="\n")
        if header:
            writer.writerow(header)
        writer.writerows(rows)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def etr_trusts() -> list[str]:
    """The real trust list (ODS ETR, 2025 Q1): every NHS trust's organisation code."""
    with (SAMPLES / "ods" / "etr_2025-Q1.csv").open(newline="", encoding="utf-8") as handle:
        return sorted({row[0] for row in csv.reader(handle) if row})


def expand_trusts(
    plan: Plan, rows: list[list[str]], code_at: int, name_at: int | None, tag: str
) -> list[list[str]]:
    """The template's rows for every kept ETR trust: a trust absent from the template gets the rows
    of a template trust (seeded choice) under its own code (and a synthetic name)."""
    by_code: dict[str, list[list[str]]] = {}
    for row in rows:
        by_code.setdefault(row[code_at], []).append(row)
    template_codes = sorted(by_code)
    out: list[list[str]] = []
    for code in etr_trusts():
        if not plan.keep(code):
            continue
        if code in by_code:
            out.extend(by_code[code])
            continue
        donor = random.Random(f"{plan.seed}:{tag}:{code}").choice(template_codes)
        for row in by_code[donor]:
            copy = list(row)
            copy[code_at] = code
            if name_at is not None:
                copy[name_at] = f"SYNTHETIC TRUST {code}"
            out.append(copy)
    return out


# ---------------------------------------------------------------- RTT


def rtt(plan: Plan) -> Iterator[Path]:
    template = RTT_FULL if RTT_FULL.exists() else SAMPLES / "rtt" / RTT_FULL.name
    with zipfile.ZipFile(template) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".csv") and "__MACOSX" not in n)
        lines = archive.read(member).splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    prefix = b"RTT-April-2026,"
    kept = [line[len(prefix) :] for line in body if _rtt_keep(plan, line)]
    for month in plan.months:
        name = f"{month_end(month):%Y%m%d}-RTT-{MONTH_NAMES[month.month - 1]}-{month.year}-full-extract.csv"
        period = f"RTT-{MONTH_NAMES[month.month - 1]}-{month.year},".encode()
        data = b"".join([header, *(period + line for line in kept)])
        path = plan.out / "rtt" / f"{name}.zip"
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        yield path


def _rtt_keep(plan: Plan, line: bytes) -> bool:
    if plan.scale >= 1:
        return True
    cells = next(csv.reader([line.decode()])) if b'"' in line else line.decode().split(",", 4)
    return plan.keep(cells[3])


# ---------------------------------------------------------------- A&E, MHSDS


def ae(plan: Plan) -> Iterator[Path]:
    header, rows = _read_csv(SAMPLES / "ae" / "Monthly-AE-August-2024.csv")
    rows = [r for r in rows if plan.keep(r[1])]
    for month in plan.months:
        name = MONTH_NAMES[month.month - 1]
        period = f"MSitAE-{name.upper()}-{month.year}"
        path = plan.out / "ae" / f"Monthly-AE-{name}-{month.year}.csv"
        _write_csv(path, header, [[period, *r[1:]] for r in rows])
        yield path


def mhsds(plan: Plan) -> Iterator[Path]:
    header, rows = _read_csv(SAMPLES / "mhsds" / "MHSDS Data_AprPerf_2025.csv")
    rows = [r for r in rows if r[3] != "Provider" or plan.keep(r[4])]
    for month in plan.months:
        path = plan.out / "mhsds" / f"MHSDS Data_{MONTH_NAMES[month.month - 1][:3]}Perf_{month.year}.csv"
        first, last = month.isoformat(), month_end(month).isoformat()
        _write_csv(path, header, [[first, last, *r[2:]] for r in rows])
        yield path


# ---------------------------------------------------------------- workbooks (CWT, DM01)


def _write_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([None if c == "" else c for c in row])
    workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    _normalise_zip(buffer.getvalue(), path)


def _normalise_zip(data: bytes, path: Path) -> None:
    """openpyxl stamps the ZIP entries with the clock: rewrite them with a fixed time (determinism)."""
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # modified time
                content = _fixed_core(content)
            target.writestr(
                zipfile.ZipInfo(item.filename, ZIP_TIME), content, compress_type=zipfile.ZIP_DEFLATED
            )


def _fixed_core(content: bytes) -> bytes:
    import re

    return re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", content)


def _sheets(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def cancer_extract(plan: Plan) -> Iterator[Path]:
    rows = _sheets(SAMPLES / "cancer" / "CWT-CRS-Apr-2025-to-Jul-2025-Data-Extract-Provider.xlsx")
    ((title, table),) = rows.items()
    header, body = table[0], [r for r in table[1:] if r[0] == date(2025, 4, 1)]
    body = expand_trusts(plan, body, header.index("ORG CODE"), None, "cwt")
    for month in plan.months:
        first, _ = financial_year(month)
        mon = MONTH_NAMES[month.month - 1][:3]
        out = [[month, f"{first}/{(first + 1) % 100:02d}", mon.upper(), *r[3:]] for r in body]
        path = (
            plan.out
            / "cancer"
            / f"CWT-CRS-{mon}-{month.year}-to-{mon}-{month.year}-Data-Extract-Provider.xlsx"
        )
        _write_xlsx(path, {title: [header, *out]})
        yield path


def dm01(plan: Plan) -> Iterator[Path]:
    sheets = _sheets(SAMPLES / "dm01" / "Monthly-Diagnostics-Web-File-Provider-May-2025.xls")
    kept = {}
    for title, rows in sheets.items():
        if title in ("Provider", "Provider by Test"):
            # provider rows have a regional team code in A and the provider code in C
            rows = [r for r in rows if not (len(r) > 2 and str(r[0]).startswith("Y")) or plan.keep(str(r[2]))]
        kept[title] = rows
    for month in plan.months:
        label = f"{MONTH_NAMES[month.month - 1]} {month.year}"
        out = {
            title: [[r[0], label, *r[2:]] if r and r[0] == "Period:" else r for r in rows]
            for title, rows in kept.items()
        }
        path = plan.out / "dm01" / f"Monthly-Diagnostics-Web-File-Provider-{label.replace(' ', '-')}.xlsx"
        _write_xlsx(path, out)
        yield path


# ---------------------------------------------------------------- quarterly: finance, ODS vintages


def finance(plan: Plan) -> Iterator[Path]:
    header, rows = _read_csv(SAMPLES / "finance" / "finance-positions-2025-26-Q3.csv")
    rows = expand_trusts(plan, rows, header.index("org_code"), header.index("org_name"), "finance")
    at = header.index("period")
    for month in plan.quarters:
        first, quarter = financial_year(month)
        fy = f"{first}-{(first + 1) % 100:02d}"
        out = [[*r[:at], f"{fy} Q{quarter}", *r[at + 1 :]] for r in rows]
        path = plan.out / "finance" / f"finance-positions-{fy}-Q{quarter}.csv"
        _write_csv(path, header, out)
        yield path


def ods_trusts(plan: Plan) -> Iterator[Path]:
    with (SAMPLES / "ods" / "etr_2025-Q1.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle) if r and plan.keep(r[0])]
    for month in plan.quarters:
        quarter = (month.month - 1) // 3 + 1
        end = month_end(month.replace(month=month.month + 2)).strftime("%Y%m%d")
        opened = [r for r in rows if r[10] <= end]  # a trust appears from its opening date
        path = plan.out / "ods" / f"etr_{month.year}-Q{quarter}.csv"
        _write_csv(path, [], opened, quoting=csv.QUOTE_ALL)
        yield path


# ---------------------------------------------------------------- copied once


_COPIED_FILES = {
    "nof": ("nof", "nhs-oversight-framework-*.csv"),
    "cqc": ("cqc", "*.ods"),
    "staff_survey": ("staff_survey", "*.*[!d]"),
    "ods_mappings": ("ods", "[ad]*.csv"),
}


def copied(source: str) -> Callable[[Plan], Iterator[Path]]:
    folder, pattern = _COPIED_FILES[source]

    def generate(plan: Plan) -> Iterator[Path]:
        for template in sorted((SAMPLES / folder).glob(pattern)):
            if template.name.lower().startswith("readme"):
                continue
            target = plan.out / folder / template.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, target)
            yield target

    return generate


GENERATORS: dict[str, Callable[[Plan], Iterator[Path]]] = {
    "rtt": rtt,
    "ae": ae,
    "cancer_extract": cancer_extract,
    "dm01": dm01,
    "mhsds": mhsds,
    "finance": finance,
    "ods_trusts": ods_trusts,
    **{source: copied(source) for source in COPIED},
}


def generate(
    out: Path,
    years: float = 10,
    scale: float = 1.0,
    seed: int = 14,
    end: date = date(2026, 4, 1),
    sources: tuple[str, ...] = ALL_SOURCES,
) -> dict[str, list[Path]]:
    """Write the files; returns the paths written per generator."""
    plan = Plan(out, months_ending(end, max(1, round(years * 12))), scale, seed)
    return {source: list(GENERATORS[source](plan)) for source in sources}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of trusts kept (1 = all)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--end", default="2026-04", help="last month, YYYY-MM")
    parser.add_argument("--sources", default=",".join(ALL_SOURCES))
    args = parser.parse_args(argv)
    year, month = (int(p) for p in args.end.split("-"))
    written = generate(
        args.out, args.years, args.scale, args.seed, date(year, month, 1), tuple(args.sources.split(","))
    )
    for source, paths in written.items():
        size = sum(p.stat().st_size for p in paths)
        print(f"{source:<16} {len(paths):>4} files {size / 2**20:>9.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
