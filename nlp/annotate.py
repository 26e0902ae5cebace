"""The one place that knows the order of stages: clean -> detect language -> segment once ->
keywords -> classify (batched) -> the JSON annotation."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from . import SCHEMA_VERSION
from .article import Article, Failure
from .model import Model, Prediction, chinese_characters
from .clean import Cleaner, CleaningRules
from .dedup import MinHasher, Signed
from .errors import InputError, NlpError
from .keyrank import Candidates, KeyRanker, batch_candidates, select
from .keywords import IdfTable, Keyword, Segmented, batch_word_ranks, textrank_batch, tfidf
from .language import detect_language
from .phrases import TokenBatch, TokenCodes
from .segment import Segmenter, load_stopwords
from .settings import Settings
from .simplify import Converted, Simplifier
from .features import document_string


@dataclass(frozen=True)
class Prepared:
    """An article after cleaning and segmentation: what every later stage reads."""

    article: Article
    text: str
    editor: str | None
    doc: Segmented
    language: str
    converted: Converted | None = None  # a Traditional article, analysed in Simplified characters

    @property
    def analysed_language(self) -> str:
        """The language segmentation and the classifier see (Traditional is read as Simplified)."""
        return "zh-Hans" if self.converted else self.language

    def shown(self, word: str) -> str:
        """A word of the analysed text in the article's own characters."""
        return self.converted.restore(word) if self.converted else word


@dataclass(frozen=True)
class Annotation:
    """What the toolkit says about one article; ``to_dict`` is the versioned JSON record."""

    id: str
    source: str
    title: str
    date: str | None
    categories: tuple[str, ...]
    author: str | None
    editor: str | None
    language: str
    text: str
    chars: int
    tokens: int
    keywords: tuple[Keyword, ...]
    category: Prediction | None
    model: dict[str, str] | None
    extra: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "categories": list(self.categories),
            "author": self.author,
            "editor": self.editor,
            "language": self.language,
            "text": self.text,
            "stats": {"chars": self.chars, "tokens": self.tokens},
            "keywords": [k.to_dict() for k in self.keywords],
            "category": self.category.to_dict() if self.category else None,
            "model": self.model,
            "extra": dict(self.extra),
        }


def error_record(failure: Failure) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "id": failure.id,
        "source": failure.source,
        "error": {"type": failure.error_type, "message": failure.message},
    }


def load_schema() -> dict[str, Any]:
    """The JSON Schema of annotation and error records (``nlp/data/annotation.schema.json``)."""
    return json.loads(resources.files("nlp").joinpath("data/annotation.schema.json").read_text("utf-8"))


def to_json_line(record: dict[str, Any]) -> str:
    """Stable key order, UTF-8 without ``\\u`` escapes, one line."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"


class Annotator:
    """Holds what is loaded once (dictionary, rules, IDF, model) and annotates batches."""

    def __init__(self, settings: Settings, model: Model | None = None) -> None:
        self.settings = settings
        self.cleaner = Cleaner(CleaningRules.load(settings.boilerplate_files))
        self.segmenter = Segmenter(engine=settings.engine, user_dicts=settings.user_dicts)
        self.stopwords = load_stopwords()
        self.codes = TokenCodes(self.stopwords, settings.keyword_pos)
        self.model = model
        self._model_ref = {"name": model.card.get("name", "model"), "version": model.card.get("version", "")} if model else None

    @cached_property
    def idf(self) -> IdfTable:
        s = self.settings
        return IdfTable.load(s.idf_path) if s.idf_path else IdfTable.jieba_default()

    def segment(self, title: str, text: str) -> Segmented:
        return Segmented(tuple(self.segmenter.tag(title)), tuple(self.segmenter.tag(text)))

    @cached_property
    def simplifier(self) -> Simplifier:
        return Simplifier()

    @cached_property
    def hasher(self) -> MinHasher:
        return MinHasher()

    @cached_property
    def ranker(self) -> KeyRanker:
        return KeyRanker.bundled()

    def keywords(self, doc: Segmented) -> list[Keyword]:
        return self.keywords_batch([doc])[0]

    def keywords_batch(self, docs: Sequence[Segmented]) -> list[list[Keyword]]:
        """The keywords of each of ``docs`` by ``settings.method`` (``combined``: one pass for the batch)."""
        s = self.settings
        if s.top_k == 0:  # keywords off: nothing to rank
            return [[] for _ in docs]
        if s.method == "textrank":
            return textrank_batch(docs, top_k=s.top_k, codes=self.codes, window=s.textrank_window)
        if s.method == "tfidf":
            return [tfidf(doc, self.idf, top_k=s.top_k, pos=s.keyword_pos, stopwords=self.stopwords,
                          title_weight=s.title_weight) for doc in docs]
        return [[Keyword(text, score) for text, score in select(found.texts, self.ranker.score(found.features), s.top_k)]
                for found in self.keyword_candidates_batch(docs)]

    def keyword_candidates(self, doc: Segmented) -> Candidates:
        """Phrase candidates of ``doc`` with the features the ``combined`` ranker reads."""
        return self.keyword_candidates_batch([doc])[0]

    def keyword_candidates_batch(self, docs: Sequence[Segmented]) -> list[Candidates]:
        s = self.settings
        batch = TokenBatch.of([(doc.title, doc.body) for doc in docs], self.codes)
        ranks = batch_word_ranks(batch, window=s.textrank_window)
        return batch_candidates(batch, ranks.of_token, self.idf, title_weight=s.title_weight)

    def document(self, article: Article) -> str:
        """The classifier's input for ``article`` (cleaned and segmented once)."""
        return document_string(self.prepare(article).doc)

    def prepare(self, article: Article) -> "Prepared":
        """Clean and segment one article (raises NlpError)."""
        try:
            cleaned = self.cleaner.clean(article.body, is_html=article.is_html)
        except RecursionError:
            raise InputError(article.source, "document nested too deeply to process") from None
        doc, language, converted = self.analyse(article.title, cleaned.text)
        return Prepared(article, cleaned.text, cleaned.editor, doc, language, converted)

    def analyse(self, title: str, text: str) -> tuple[Segmented, str, Converted | None]:
        """A clean article's tokens as every later stage reads them, its language, and its
        Simplified reading when it is Traditional (then the tokens are of that reading)."""
        language = detect_language(title + "\n" + text)
        converted = None
        if language == "zh-Hant" and self.settings.simplify_traditional:
            converted = self.simplifier.convert(title, text)
        if converted:
            title, text = converted.title, converted.text
        return self.segment(title, text), language, converted

    def annotate_batch(self, records: Sequence[Article | Failure]) -> list[dict[str, Any]]:
        """One JSON record per input record, in order; a failing article becomes an error record."""
        staged = [record if isinstance(record, Failure) else self._try_prepare(record) for record in records]
        docs = [item.doc for item in staged if isinstance(item, Prepared)]
        min_score, min_chars = self.model.thresholds(self.settings.min_score, self.settings.min_chars) if self.model else (0, 0)
        predictions = iter(self.model.predict(list(map(document_string, docs)), min_score=min_score) if self.model else [])
        keywords = iter(self.keywords_batch(docs))
        out = []
        for item in staged:
            if isinstance(item, Failure):
                out.append(error_record(item))
            else:
                category = next(predictions) if self.model else None
                if category is not None and (not self.model.knows_language(item.analysed_language)
                                             or chinese_characters(item.text) < min_chars):
                    category = replace(category, label=None)  # a language it never saw, or too little text: top only
                found = [Keyword(item.shown(k.word), k.score) for k in next(keywords)]
                record = self._annotation(item, category, found).to_dict()
                if self.settings.signatures:  # taken off again by nlp.dedup_io before anything is written
                    record["_signature"] = self.hasher.signature(item.doc.words).tolist()
                out.append(record)
        return out

    def signature_batch(self, records: Sequence[Article | Failure]) -> list[Signed | Failure]:
        """The MinHash signature of each article's words (the tokens annotation uses), in order."""
        out: list[Signed | Failure] = []
        for record in records:
            item = record if isinstance(record, Failure) else self._try_prepare(record)
            if isinstance(item, Failure):
                out.append(item)
            else:
                a = item.article
                out.append(Signed(a.id, a.source, a.title, self.hasher.signature(item.doc.words)))
        return out

    def _try_prepare(self, article: Article) -> "Prepared | Failure":
        try:
            return self.prepare(article)
        except NlpError as error:
            return Failure(article.id, article.source, type(error).__name__, str(error))

    def _annotation(self, prepared: "Prepared", category: Prediction | None, keywords: list[Keyword]) -> Annotation:
        article, text, editor, doc = prepared.article, prepared.text, prepared.editor, prepared.doc
        return Annotation(
            id=article.id,
            source=article.source,
            title=article.title,
            date=article.date,
            categories=article.categories,
            author=article.author,
            editor=editor,
            language=prepared.language,
            text=text,
            chars=len(text),
            tokens=doc.n_tokens,
            keywords=tuple(keywords),
            category=category,
            model=self._model_ref,
            extra=dict(article.extra),
        )


def default_model_dir() -> Path | None:
    """``models/default`` of the source tree this package was installed from, if present."""
    candidate = Path(__file__).resolve().parent.parent / "models" / "default"
    return candidate if (candidate / "model.json").is_file() else None
