"""Hostile landing files: refused before anything reads them, and never copied whole.

- **Paths**: a symbolic link (to a file or a folder) is never followed, and a file whose real
  path lies outside the landing folder is never read; both are refused with that reason.
- **Archives** (ZIP, and the workbooks that are ZIP files: .xlsx, .ods): checked against the
  limits of ``Settings`` from the ZIP central directory alone, before any member is inflated:
  member count, total uncompressed size, and the compression ratio of each member of
  ``archive_ratio_min_bytes`` or more (a zip bomb's shared-strings part inflates ~1000:1; the
  bundled samples reach 69:1).
- **Quarantine by reference**: a bad file over ``quarantine_copy_max_bytes`` (or one that is not
  a plain file inside the landing folder) is not copied into the quarantine folder; a small
  ``<name>.reference.json`` records its path, size, sha256 and reason instead.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from oversight.settings import Settings

ZIP_MAGIC = b"PK\x03\x04"


def path_refusal(path: Path, landing_root: Path) -> str | None:
    """Why a landing path must not be read (a symlink, or a real path outside the folder), or None."""
    if path.is_symlink():
        return f"{path.name} is a symbolic link (to {os.readlink(path)}): links are never followed"
    try:
        real = path.resolve(strict=True)
    except OSError as exc:
        return f"{path.name} cannot be resolved ({exc})"
    if not real.is_relative_to(landing_root.resolve()):
        return f"{path.name} resolves to {real}, outside the landing folder: never read"
    if not real.is_file():
        return f"{path.name} is not a regular file"
    return None


def archive_refusal(path: Path, settings: Settings) -> str | None:
    """Why a ZIP-based file (ZIP, xlsx, ods) breaks an archive limit, read from its central
    directory only (nothing is inflated), or None (also for files that are not ZIP files)."""
    with path.open("rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        return None  # not a readable archive: the peek reports it
    if len(members) > settings.archive_max_members:
        return (
            f"{path.name} lists {len(members):,} archive members, over the limit of "
            f"{settings.archive_max_members:,} (archive_max_members): refused before expanding"
        )
    total = sum(m.file_size for m in members)
    if total > settings.archive_max_bytes:
        return (
            f"{path.name} would expand to {total:,} bytes, over the limit of "
            f"{settings.archive_max_bytes:,} (archive_max_bytes): refused before expanding"
        )
    for member in members:
        if member.file_size < settings.archive_ratio_min_bytes:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > settings.archive_max_ratio:
            return (
                f"{path.name}: member {member.filename} compresses {ratio:,.0f}:1 "
                f"({member.compress_size:,} -> {member.file_size:,} bytes), over the limit of "
                f"{settings.archive_max_ratio:,.0f}:1 (archive_max_ratio): refused before expanding"
            )
    return None


def copy_refusal(path: Path, settings: Settings) -> str | None:
    """Why a bad file is quarantined by reference instead of copied, or None (copy it): a symbolic
    link (never followed, whatever it points to) or a file over ``quarantine_copy_max_bytes``."""
    if path.is_symlink():
        return f"a symbolic link (to {os.readlink(path)}): never followed, not copied"
    size = path.stat().st_size
    if size > settings.quarantine_copy_max_bytes:
        return (
            f"{size:,} bytes, over quarantine_copy_max_bytes ({settings.quarantine_copy_max_bytes:,}): "
            "quarantined by reference, not copied"
        )
    return None


def write_reference(target: Path, path: Path, sha256: str, reason: str, why: str) -> Path:
    """The small JSON that stands in the quarantine folder for a file not copied there."""
    reference = target.with_name(target.name + ".reference.json")
    size = path.lstat().st_size
    reference.write_text(
        json.dumps(
            {
                "original_path": str(path),
                "bytes": size,
                "sha256": sha256,
                "reason": reason,
                "not_copied": why,
            },
            indent=2,
        )
        + "\n"
    )
    return reference
