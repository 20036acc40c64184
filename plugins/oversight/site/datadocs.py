"""Great Expectations Data Docs that work offline: every CDN asset is served from the site.

GX 1.24 renders Data Docs pages that load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega
from public CDNs, and its logo from S3, so opened without network the pages are unstyled and their
tables never render. This copies the same files (vendored from the npm registry, see
vendor/README.md) into `<data-docs>/static/vendor/` and rewrites each page's links to relative
paths. Idempotent: run after every GX run (the site build does).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR_DIR = Path(__file__).with_name("vendor")

# CDN URL (as GX writes it) -> file under vendor/; declared once, used for rewriting and tests
UNPKG_TABLE = "https://unpkg.com/bootstrap-table@{version}/dist/"
FONT_AWESOME = "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css"
CDN_ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    UNPKG_TABLE.format(version="1.19.1")
    + "extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-filter-control.min.js"
    ),
    UNPKG_TABLE.format(version="1.19.0") + "extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-filter-control.min.css"
    ),
    UNPKG_TABLE.format(version="1.19.0")
    + "extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-prefers-dark.min.css"
    ),
    FONT_AWESOME: "css/fontawesome-all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
}
# GX's logos on S3 -> the vector logo GX ships in its own static/images
LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z_-]+\.png(\?[^\"')]*)?"
)
LOCAL_LOGO = "static/images/logo-long-vector.svg"
# Subresource-integrity and CORS attributes belong to the CDN copies
SRI = re.compile(r'\s+(integrity="[^"]*"|crossorigin="[^"]*")')
# any src/href that still loads from the network (anchors <a href> are navigation, not loads)
REMOTE_LOAD = re.compile(
    r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="(https?://[^"]+)"', re.IGNORECASE
)


def make_offline(data_docs_dir: Path) -> dict[str, int]:
    """Copy the vendored assets in and rewrite every page. Returns pages rewritten and links left remote."""
    if not (data_docs_dir / "index.html").exists():
        return {"pages": 0, "remote_links": 0}
    target = data_docs_dir / "static" / "vendor"
    shutil.copytree(
        VENDOR_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md", "licenses")
    )
    pages = remote = 0
    for page in data_docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        rewritten = rewrite(text, page, data_docs_dir)
        if rewritten != text:
            page.write_text(rewritten, encoding="utf-8")
            pages += 1
        remote += len(REMOTE_LOAD.findall(rewritten))
    return {"pages": pages, "remote_links": remote}


def rewrite(text: str, page: Path, data_docs_dir: Path) -> str:
    to_root = os.path.relpath(data_docs_dir, page.parent).replace(os.sep, "/")
    prefix = "" if to_root == "." else to_root + "/"
    for url, file_name in CDN_ASSETS.items():
        text = text.replace(f'"{url}"', f'"{prefix}static/vendor/{file_name}"')
    text = LOGO.sub(prefix + LOCAL_LOGO, text)
    return SRI.sub("", text)
