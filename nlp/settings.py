"""Frozen settings passed to every stage (one options object, as trafilatura does)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from nlp.errors import ConfigError
from nlp.io.dates import DEFAULT_NAIVE_OFFSET, parse_offset

ENGINES = ("rjieba", "jieba")
METHODS = ("combined", "tfidf", "textrank")

# Parts of speech that can be keywords (jieba/ICTCLAS tag set).
KEYWORD_POS = frozenset(
    {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "vn", "eng", "j", "l", "an", "nw", "v"}
)


@dataclass(frozen=True)
class Settings:
    """Every knob of the annotation pipeline.

    ``user_dicts`` are jieba-format dictionaries added on top of the bundled domain dictionary;
    ``boilerplate_files`` are JSON rule files merged into the bundled cleaning rules.
    """

    engine: str = "rjieba"
    user_dicts: tuple[Path, ...] = ()
    boilerplate_files: tuple[Path, ...] = ()
    method: str = "combined"
    top_k: int = 10
    idf_path: Path | None = None
    keyword_pos: frozenset[str] = field(default=KEYWORD_POS)
    title_weight: float = 3.0
    textrank_window: int = 5
    min_score: float | None = None  # leave category.label null below this probability; None: the model card's min_score
    min_chars: int | None = None  # ... and for fewer Chinese characters of clean text; None: the model card's min_chars
    naive_utc_offset: str = DEFAULT_NAIVE_OFFSET  # for dates written without an offset (Beijing time)
    signatures: bool = False  # attach each article's MinHash signature ("_signature") for near-duplicate marking
    simplify_traditional: bool = True  # analyse zh-Hant articles in Simplified characters (nlp.text.simplify)
    entities: bool = True  # the entity stage (nlp.entities); off: "entities" is an empty list
    entity_model_dir: Path | None = None  # None: the shipped models/entities

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if self.method not in METHODS:
            raise ConfigError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0, got {self.top_k}")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score must be within [0, 1], got {self.min_score}")
        try:
            parse_offset(self.naive_utc_offset)
        except ValueError as error:
            raise ConfigError(str(error), setting="naive_utc_offset") from None
        if self.min_chars is not None and self.min_chars < 0:
            raise ConfigError(f"min_chars must be >= 0, got {self.min_chars}")

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)
