"""Loading the compiled core: a missing or stale module is a one-line BuildError saying how to rebuild."""

import hashlib
import sys

import pytest

from nlp import native
from nlp.native import BuildError, load

SOURCE = "def tag(text):\n    return []\n"


@pytest.fixture()
def package(tmp_path, monkeypatch):
    """A package ``fakecore`` whose ``_core`` stands in for a compiled module (a .py file with a digest)."""
    folder = tmp_path / "fakecore"
    folder.mkdir()
    (folder / "__init__.py").write_text("", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield folder
    for name in [n for n in sys.modules if n.startswith("fakecore")]:
        del sys.modules[name]


def _compiled(folder, *, built_from: str | None, source: str | None = SOURCE) -> None:
    """``_core.py`` as if compiled from ``built_from`` (None: with no digest), ``source`` beside it."""
    digest = "" if built_from is None else f"SOURCE_DIGEST = {hashlib.sha256(built_from.encode()).hexdigest()!r}\n"
    (folder / "_core.py").write_text(digest + "x = 1\n", "utf-8")
    if source is not None:
        (folder / "_core.pyx").write_text(source, "utf-8")


@pytest.mark.parametrize("built_from, source, problem", [
    (SOURCE, SOURCE, None),                                      # built from the source beside it
    (SOURCE, None, None),                                        # an installed package: no source to compare
    ("def tag(text):\n    return None\n", SOURCE, "older _core.pyx"),  # the source changed since the build
    (None, SOURCE, "does not say which source"),
])
def test_a_compiled_module_must_match_its_source(package, built_from, source, problem):
    _compiled(package, built_from=built_from, source=source)
    if problem is None:
        assert load("fakecore._core").x == 1
    else:
        with pytest.raises(BuildError, match=problem) as caught:
            load("fakecore._core")
        assert "\n" not in str(caught.value) and "pip install -e ." in str(caught.value)


def test_a_missing_compiled_module_says_how_to_build_it(package):
    with pytest.raises(BuildError, match="fakecore._core is not compiled.*pip install -e ."):
        load("fakecore._core")


@pytest.mark.parametrize("name", ["nlp.entities._core", "nlp.keywords._candidates", "nlp.classify._ngrams"])
def test_the_shipped_cores_match_their_source(name):
    core = load(name)
    source = native.Path(core.__file__).parent / (name.rpartition(".")[2] + ".pyx")
    assert core.SOURCE_DIGEST == native.source_digest(source)
