"""Writes the CONSTRUCTED CQC "Latest ratings" test workbooks of tests/data/cqc/ (see README.md).

CONSTRUCTED FOR TESTS, NOT PUBLISHED FILES. Both are built from the real ratings of
sample_data/cqc/Latest_ratings_trust_locations.ods (the bundled sample, which has only a
Locations sheet and no date in its name) and use CQC's column layout (DOMAIN.md §4):

``05_May_2026_Latest_ratings.ods`` — "month 2" after the sample (month 1)
    The sample's Locations rows unchanged, except two made-up re-inspections:
    - R0A Manchester University NHS FT (location R0A02) DOWNGRADED: Overall, Safe and Well-led
      Requires improvement (19/03/2019) -> Inadequate, published 28/04/2026;
    - RWA Hull University Teaching Hospitals NHS Trust (location RWA01) UPGRADED: Overall and Safe
      Inadequate (19/11/2025) -> Requires improvement, published 30/04/2026.
    A two-row title block sits above the header (so the header is on row 3) and a million
    repeated empty rows pad the sheet, as in CQC's own files.
``01_June_2026_Latest_ratings.ods`` — a small workbook with both sheets
    Locations: the sample's rows of RJ1, RBV and RXL. Providers (CQC's Providers columns): the
    provider-level rows of RJ1 and RBV, their values copied from their main location's rows
    (Provider Type "NHS Healthcare Organisation", Service / Population Group "Overall", Report Type
    "Provider", publication dates as date cells), plus one made-up social care provider
    ("1-000000001", Provider Type "Social Care Org") that is not an NHS trust. RXL has no Providers
    row, so its trust-level rating falls back to its main location. Title block and padding as above.

    .venv/bin/python tests/data/cqc/build_constructed_workbooks.py

The output is deterministic (fixed zip timestamps); tests/test_cqc.py checks the committed files
equal what this script writes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from oversight.workbooks import read_sheet

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "sample_data" / "cqc" / "Latest_ratings_trust_locations.ods"
HERE = Path(__file__).resolve().parent
MONTH_2 = HERE / "05_May_2026_Latest_ratings.ods"
PROVIDERS = HERE / "01_June_2026_Latest_ratings.ods"

# (location id, domain) -> (new rating, new publication date)
MONTH_2_CHANGES = {
    ("R0A02", "Overall"): ("Inadequate", "28/04/2026"),
    ("R0A02", "Safe"): ("Inadequate", "28/04/2026"),
    ("R0A02", "Well-led"): ("Inadequate", "28/04/2026"),
    ("RWA01", "Overall"): ("Requires improvement", "30/04/2026"),
    ("RWA01", "Safe"): ("Requires improvement", "30/04/2026"),
}
PROVIDER_TRUSTS = ("RJ1", "RBV", "RXL")
PROVIDERS_SHEET_TRUSTS = ("RJ1", "RBV")
PROVIDER_HEADER = (
    "Provider ID", "Provider Name", "Provider Type", "Provider Primary Inspection Category",
    "Provider Street Address", "Provider Address Line 2", "Provider City", "Provider Post Code",
    "Provider Local Authority", "Provider Region", "Service / Population Group", "Domain",
    "Latest Rating", "Publication Date", "Report Type", "URL",
)  # fmt: skip
SOCIAL_CARE_PROVIDER = (
    "1-000000001", "Constructed Care Homes Ltd", "Social Care Org", "Residential social care",
    "", "", "Leeds", "LS1 1AA", "Leeds", "North East", "Overall", "Overall", "Good", "2024-02-01",
    "Provider", "https://www.cqc.org.uk/provider/1-000000001",
)  # fmt: skip
TITLE = ("Care Quality Commission: latest ratings", "CONSTRUCTED TEST WORKBOOK (tests/data/cqc/README.md)")
_FIXED_TIME = (2026, 6, 1, 0, 0, 0)
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)

Cell = str | tuple[str, str]  # text, or ("date", "YYYY-MM-DD")


def _cell(value: Cell) -> str:
    if isinstance(value, tuple):
        iso = value[1]
        shown = datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y")
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    if value == "":
        return "<table:table-cell/>"
    return (
        f'<table:table-cell office:value-type="string" office:string-value={quoteattr(value)}>'
        f"<text:p>{escape(value)}</text:p></table:table-cell>"
    )


def _sheet(name: str, rows: list[list[Cell]]) -> str:
    body = [f"<table:table table:name={quoteattr(name)}>"]
    for line in TITLE:
        body.append(f"<table:table-row>{_cell(line)}</table:table-row>")
    for cells in rows:
        # trailing empty cells repeated to the sheet's width, as spreadsheet programs write them
        padding = '<table:table-cell table:number-columns-repeated="1008"/>'
        body.append("<table:table-row>" + "".join(_cell(c) for c in cells) + padding + "</table:table-row>")
    body.append(
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    body.append("</table:table>")
    return "".join(body)


def _workbook(sheets: list[tuple[str, list[list[Cell]]]]) -> bytes:
    content = (
        f"<?xml version='1.0' encoding='UTF-8'?><office:document-content {_NS} office:version=\"1.2\">"
        "<office:body><office:spreadsheet>"
        + "".join(_sheet(name, rows) for name, rows in sheets)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, method in (
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
            ("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED),
            ("content.xml", content, zipfile.ZIP_DEFLATED),
        ):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = method
            archive.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()


def _sample_rows() -> tuple[list[str], list[list[str]]]:
    rows = [cells for _, cells in read_sheet(SAMPLE, "Locations") if cells]
    header = rows[0]
    width = len(header)
    return header, [cells + [""] * (width - len(cells)) for cells in rows[1:]]


def build_month_2(header: list[str], rows: list[list[str]]) -> list[list[Cell]]:
    col = {name: i for i, name in enumerate(header)}
    out: list[list[Cell]] = [list(header)]
    for cells in rows:
        cells = list(cells)
        change = MONTH_2_CHANGES.get((cells[col["Location ID"]], cells[col["Domain"]]))
        if change:
            cells[col["Latest Rating"]], cells[col["Publication Date"]] = change
        out.append(cells)
    return out


def build_providers(header: list[str], rows: list[list[str]]) -> tuple[list[list[Cell]], list[list[Cell]]]:
    col = {name: i for i, name in enumerate(header)}
    locations: list[list[Cell]] = [list(header)]
    providers: list[list[Cell]] = [list(PROVIDER_HEADER)]
    for cells in rows:
        trust = cells[col["Provider ID"]]
        if trust not in PROVIDER_TRUSTS:
            continue
        locations.append(list(cells))
        if trust in PROVIDERS_SHEET_TRUSTS:
            published = datetime.strptime(cells[col["Publication Date"]], "%d/%m/%Y").strftime("%Y-%m-%d")
            providers.append(
                [
                    trust, cells[col["Provider Name"]], "NHS Healthcare Organisation",
                    cells[col["Location Primary Inspection Category"]], "", "", "", "", "",
                    cells[col["Location Region"]], "Overall", cells[col["Domain"]],
                    cells[col["Latest Rating"]], ("date", published), "Provider",
                    f"https://www.cqc.org.uk/provider/{trust}",
                ]
            )  # fmt: skip
    social = list(SOCIAL_CARE_PROVIDER)
    providers.append([*social[:13], ("date", social[13]), *social[14:]])
    return locations, providers


def render() -> dict[Path, bytes]:
    """The constructed workbooks, by the path they are committed at."""
    header, rows = _sample_rows()
    locations, providers = build_providers(header, rows)
    return {
        MONTH_2: _workbook([("Locations", build_month_2(header, rows))]),
        PROVIDERS: _workbook([("Locations", locations), ("Providers", providers)]),
    }


def main() -> None:
    for path, data in render().items():
        path.write_bytes(data)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
