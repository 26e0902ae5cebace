"""The compiled cores (entity recognizer, keyword candidates); everything else is in pyproject.toml.

Each extension is compiled with the SHA-256 of its .pyx source as ``SOURCE_DIGEST``, so that
``nlp.native.load`` can refuse a module that is older than the source beside it.
"""

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCES = {"nlp.entities._core": "nlp/entities/_core.pyx", "nlp.keywords._candidates": "nlp/keywords/_candidates.pyx",
           "nlp.classify._ngrams": "nlp/classify/_ngrams.pyx"}


def extension(name: str, source: str) -> Extension:
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
    return Extension(name, [source], extra_compile_args=["-O3"], define_macros=[("NLP_SOURCE_DIGEST", f'"{digest}"')])


setup(ext_modules=cythonize([extension(name, source) for name, source in SOURCES.items()], language_level=3))
