"""Fixture builder: a CONSTRUCTED NHS England Monthly Combined Workbook (cancer), written with openpyxl.

No real sample of the publication is bundled (issue 9): this builds one in the layout its
description gives: sheets ``System Level Performance``, ``Provider Level Performance`` and
``Referrals Seen``, each under a title block (Title, Period, Basis, Published, Revised, Status);
the provider sheet a long table with a band-label row above its header. The numbers are made up
(Guy's and St Thomas' RJ1 and Barts Health R1H, October 2025), with a shared-pathway half count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

NAME = "October-2025-Monthly-Combined-Workbook-Provisional.xlsx"
HEADER = (
    "Org Code",
    "Region",
    "Org Name",
    "Standard",
    "Cancer Type",
    "Referral Route/Stage",
    "Treatment Modality",
    "Total",
    "Within",
    "After",
    "Performance",
    "Within 14 days",
    "15 to 28 days",
)
BANDS = ("", "", "", "", "", "", "", "NUMBER OF PATIENTS", "", "", "", "DAYS WAITED", "")
HEADER_ROW = 9  # title block rows 1-6, blank row 7, band labels row 8
LONDON = "London"
GSTT = "Guy's and St Thomas' NHS Foundation Trust"
BARTS = "Barts Health NHS Trust"
# (org code, org name, standard, cancer type, route/stage, modality, total, within)
PROVIDER_ROWS: tuple[tuple, ...] = (
    ("RJ1", GSTT, "FDS", "ALL CANCERS", "ALL ROUTES", "", 2500, 2000),  # headline, modality blank
    ("RJ1", GSTT, "FDS", "Suspected breast cancer", "URGENT SUSPECTED CANCER", "", 400, 370),
    ("RJ1", GSTT, "31D", "ALL CANCERS", "ALL STAGES", "ALL MODALITIES", 1100, 990),  # headline
    ("RJ1", GSTT, "31D", "ALL CANCERS", "First Treatment", "ALL MODALITIES", 420, 380),
    ("RJ1", GSTT, "62D", "ALL CANCERS", "ALL ROUTES", "ALL MODALITIES", 300.5, 180.5),  # headline, halves
    ("RJ1", GSTT, "62D", "Lung", "ALL ROUTES", "ALL MODALITIES", 20, 9),
    ("R1H", BARTS, "FDS", "ALL CANCERS", "ALL ROUTES", "ALL MODALITIES", 3400, 2700),  # headline
    ("R1H", BARTS, "62D", "ALL CANCERS", "ALL ROUTES", "ALL MODALITIES", 240, 178),  # headline
)


def title_block(sheet, title: str, period: str, status: str) -> None:  # noqa: ANN001
    for label, value in (
        ("Title:", title),
        ("Period:", period),
        ("Basis:", "Provider based (CONSTRUCTED for tests)"),
        ("Published:", "11 December 2025"),
        ("Revised:", "-"),
        ("Status:", status),
    ):
        sheet.append([label, value])
    sheet.append([])


def build(
    folder: Path,
    name: str = NAME,
    period: str = "October 2025",
    status: str = "Provisional",
    rows: tuple[tuple, ...] = PROVIDER_ROWS,
    edit: Callable | None = None,
) -> Path:
    """Write the workbook to folder/name; edit(workbook) may change it before it is saved."""
    workbook = Workbook()
    system = workbook.active
    system.title = "System Level Performance"
    title_block(system, "Cancer waiting times: system level performance", period, status)
    system.append(["ICB Code", "ICB Name", "Standard", "Total", "Within", "After", "Performance"])
    system.append(["QKK", "NHS South East London ICB", "FDS", 9000, 7200, 1800, 0.8])

    provider = workbook.create_sheet("Provider Level Performance")
    title_block(provider, "Cancer waiting times: provider level performance", period, status)
    provider.append(list(BANDS))
    provider.append(list(HEADER))
    for code, org_name, standard, cancer_type, route, modality, total, within in rows:
        after = total - within
        first_band = round(within * 0.6) if standard == "FDS" else None
        second_band = within - first_band if first_band is not None else None
        provider.append(
            [
                code,
                LONDON,
                org_name,
                standard,
                cancer_type,
                route,
                modality or None,
                total,
                within,
                after,
                within / total,
                first_band,
                second_band,
            ]
        )
    provider.append([])
    provider.append(["Note: CONSTRUCTED for the oversight warehouse tests, not published data."])

    seen = workbook.create_sheet("Referrals Seen")
    title_block(seen, "Cancer waiting times: referrals seen", period, status)
    seen.append(["Org Code", "Org Name", "Referrals seen"])
    seen.append(["RJ1", GSTT, 5100])
    if edit is not None:
        edit(workbook)
    target = folder / name
    workbook.save(target)
    return target
