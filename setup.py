"""The compiled cores (entity recognizer, keyword candidates); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize([Extension("nlp.entities._core", ["nlp/entities/_core.pyx"], extra_compile_args=["-O3"]),
                             Extension("nlp.keywords._candidates", ["nlp/keywords/_candidates.pyx"],
                                       extra_compile_args=["-O3"])],
                            language_level=3))
