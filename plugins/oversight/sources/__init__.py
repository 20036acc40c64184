"""One module per national source: its accepted layouts (generations), file naming and row rules.

Every module in this package that defines ``SOURCE`` (a ``SourceSpec`` instance) is registered:
adding a source is adding a module. Source modules import nothing heavy at module level, because
the DAG files derive their Assets from this registry at parse time.
"""

from __future__ import annotations

import importlib
import pkgutil

from oversight.sources.base import SourceSpec


def _discover() -> dict[str, SourceSpec]:
    found: dict[str, SourceSpec] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        spec = getattr(module, "SOURCE", None)
        if isinstance(spec, SourceSpec):
            if spec.name in found:
                raise RuntimeError(f"two source modules declare the source name {spec.name!r}")
            found[spec.name] = spec
    return found


SOURCES: dict[str, SourceSpec] = _discover()


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
