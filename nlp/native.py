"""The compiled core: Cython extension modules built by the project's own ``pip install``.

:func:`load` imports one and refuses, in one line that says how to rebuild, a module that is
missing (the package was copied without being built) or older than its ``.pyx`` source (a checkout
that changed the source since the last build): never a silent slow path or a crash in old code.
Each module carries the SHA-256 of the source it was compiled from as ``SOURCE_DIGEST`` (set by
``setup.py``); the source is compared only where it is present (a source tree or editable install).
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from types import ModuleType

from nlp.errors import NlpError

REBUILD = "rebuild it with `pip install -e .` in the source tree (`make dev`), or reinstall the package"


class BuildError(NlpError):
    """A compiled module of the toolkit is missing or was built from other source."""

    kind = "build"


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(name: str) -> ModuleType:
    """The compiled module ``name`` (``nlp.entities._core``), checked against its source."""
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise BuildError(f"{name} is not compiled ({error}): {REBUILD}") from None
    origin = Path(getattr(module, "__file__", "") or "")
    source = origin.parent / (name.rpartition(".")[2] + ".pyx")
    built_from = getattr(module, "SOURCE_DIGEST", None)
    if built_from is None:
        raise BuildError(f"{name} ({origin.name}) does not say which source it was built from: {REBUILD}")
    if source.is_file() and source_digest(source) != built_from:
        raise BuildError(f"{name} was compiled from an older {source.name} than the one beside it: {REBUILD}")
    return module
