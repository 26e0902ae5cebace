"""The one place that knows the order of stages.

An :class:`~nlp.doc.Article` becomes a :class:`~nlp.doc.Doc` by cleaning, language detection,
Simplified reading of Traditional text and segmentation (:meth:`Pipeline.prepare`); a batch of
documents then goes through the batch stages in :meth:`Pipeline.stages` (keywords, category, and the
near-duplicate signature when asked for).  Every command that reads articles (annotate, idf, train,
out-of-core train, dedup, newwords, the cluster workers and the benchmarks) goes through here.
Adding a stage: one module, one field on ``Doc``, one schema entry, one line in :meth:`stages`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

from nlp.classify.features import document_string
from nlp.classify.model import Model, chinese_characters
from nlp.dedup.minhash import MinHasher
from nlp.doc import Article, Doc, Entity, Failure, Keyword, Segmented
from nlp.entities.entity import COARSE
from nlp.entities.model import EntityRecognizer
from nlp.entities.tidy import one_type_per_article
from nlp.errors import ConfigError, InputError, NlpError
from nlp.keywords.phrases import TokenBatch, TokenCodes
from nlp.keywords.ranker import Candidates, KeyRanker, Mentions, batch_candidates, select
from nlp.keywords.scoring import IdfTable, batch_word_ranks, textrank_batch, tfidf
from nlp.settings import Settings
from nlp.text.clean import Cleaner, CleaningRules
from nlp.text.language import detect_language
from nlp.text.segment import Segmenter, load_stopwords
from nlp.text.simplify import Simplifier

Stage = Callable[[Sequence[Doc]], None]


def _without_plurals(keywords: Sequence[Keyword]) -> list[Keyword]:
    """Keywords without an English plural (-s, -es) or singular of a better one already kept."""
    kept: list[Keyword] = []
    seen: set[str] = set()
    for keyword in keywords:
        word = keyword.word.lower()
        forms = {word, word + "s", word + "es", word[:-1] if word.endswith("s") else word,
                 word[:-2] if word.endswith("es") else word}
        if forms & seen:
            continue
        seen.add(word)
        kept.append(keyword)
    return kept


def _shown_entities(spans: Sequence[tuple[int, int, int]], types: Sequence[str], shown: str, field: str) -> list[Entity]:
    """Entities of the recognizer's ``spans`` (start, end, type index) found in the analysed reading, as
    spans of the text as written, without the white space a character model may take in at either end
    of a Latin name ('Google ')."""
    out = []
    for start, end, kind in spans:
        while start < end and shown[start].isspace():
            start += 1
        while end > start and shown[end - 1].isspace():
            end -= 1
        if end > start:
            out.append(Entity(shown[start:end], types[kind], start, end, field))
    return out


def load_schema() -> dict[str, Any]:
    """The JSON Schema of annotation and error records (``nlp/data/annotation.schema.json``)."""
    return json.loads(resources.files("nlp").joinpath("data/annotation.schema.json").read_text("utf-8"))


class Pipeline:
    """Holds what is loaded once (dictionary, rules, IDF, ranker, model) and runs the stages."""

    def __init__(self, settings: Settings, model: Model | None = None) -> None:
        self.settings = settings
        self.cleaner = Cleaner(CleaningRules.load(settings.boilerplate_files))
        self.segmenter = Segmenter(engine=settings.engine, user_dicts=settings.user_dicts)
        self.stopwords = load_stopwords()
        self.codes = TokenCodes(self.stopwords, settings.keyword_pos)
        self.model = model
        self._model_ref = {"name": model.card.get("name", "model"), "version": model.card.get("version", "")} if model else None

    def stages(self) -> list[Stage]:
        """The batch stages, in order, for these settings; each fills its field of every document."""
        stages: list[Stage] = []
        if self.recognizer is not None:  # before keywords: the keyword ranker reads the entities
            stages.append(self.add_entities)
        if self.settings.top_k:
            stages.append(self.add_keywords)
        if self.model is not None:
            stages.append(self.add_category)
        if self.settings.signatures:
            stages.append(self.add_signatures)
        return stages

    # -- per article: clean, language, Simplified reading, segmentation

    def clean(self, article: Article) -> Doc:
        """A document with its clean text, editor and language (raises NlpError)."""
        try:
            cleaned = self.cleaner.clean(article.body, is_html=article.is_html, title=article.title)
        except RecursionError:
            raise InputError(article.source, "document nested too deeply to process") from None
        doc = Doc.of(article)
        doc.text, doc.editor = cleaned.text, cleaned.editor
        doc.extra.update((k, v) for k, v in cleaned.metadata.items() if k not in doc.extra)  # the input's own wins
        self.detect_language(doc)
        return doc

    def detect_language(self, doc: Doc) -> None:
        """Language, and the Simplified reading of a Traditional article."""
        doc.language = detect_language(doc.title + "\n" + doc.text)
        if doc.language == "zh-Hant" and self.settings.simplify_traditional:
            doc.converted = self.simplifier.convert(doc.title, doc.text)

    def analysed_text(self, doc: Doc) -> tuple[str, str]:
        """Title and text as segmentation reads them (Traditional articles in Simplified characters)."""
        return (doc.converted.title, doc.converted.text) if doc.converted else (doc.title, doc.text)

    def prepare(self, article: Article) -> Doc:
        """Clean and segment one article (raises NlpError)."""
        doc = self.clean(article)
        self.add_tokens(doc)
        return doc

    def add_tokens(self, doc: Doc) -> None:
        doc.tokens = self.segment(*self.analysed_text(doc))
        doc.n_tokens = doc.tokens.n_tokens

    def segment(self, title: str, text: str) -> Segmented:
        return Segmented(tuple(self.segmenter.tag(title)), tuple(self.segmenter.tag(text)))

    def document(self, article: Article) -> str:
        """The classifier's input for ``article`` (cleaned and segmented once).  A labelled plain text
        without a title that cleaning empties is a headline, not boilerplate (one that reads like a photo
        caption, 暴雨过后城区积水严重，市民供图): it is read as the title."""
        doc = self.prepare(article)
        if not doc.text and not article.title and not article.is_html and article.body.strip():
            doc = self.prepare(replace(article, title=" ".join(article.body.split()), body=""))
        return document_string(doc.tokens)

    # -- per batch

    def annotate_batch(self, records: Sequence[Article | Failure]) -> list[Doc | Failure]:
        """Every stage for each input, in order; an article that fails becomes a Failure in place."""
        staged = [record if isinstance(record, Failure) else self._try_prepare(record) for record in records]
        docs = [item for item in staged if isinstance(item, Doc)]
        for stage in self.stages():
            stage(docs)
        return staged

    def signature_batch(self, records: Sequence[Article | Failure]) -> list[Doc | Failure]:
        """Only what near-duplicate detection needs: prepared documents with their signatures."""
        staged = [record if isinstance(record, Failure) else self._try_prepare(record) for record in records]
        self.add_signatures([item for item in staged if isinstance(item, Doc)])
        return staged

    def add_keywords(self, docs: Sequence[Doc]) -> None:
        """Keywords of the Chinese and English documents (a language the toolkit does not analyse,
        ``other``, gets none rather than pieces of its words); an English word's plural after the word
        itself (donation, donations) is the same keyword."""
        for doc, found in zip(docs, self.keywords_batch([d.tokens for d in docs], [self.mentions(d) for d in docs])):
            if doc.language == "other":
                continue
            words = [Keyword(doc.shown(k.word), k.score) for k in found]
            doc.keywords = tuple(_without_plurals(words) if doc.language == "en" else words)

    def add_category(self, docs: Sequence[Doc]) -> None:
        min_score, min_chars = self.model.thresholds(self.settings.min_score, self.settings.min_chars)
        predictions = self.model.predict([document_string(d.tokens) for d in docs], min_score=min_score)
        for doc, category in zip(docs, predictions):
            if not self.model.knows_language(doc.analysed_language) or chinese_characters(doc.text, min_chars) < min_chars:
                category = replace(category, label=None)  # a language it never saw, or too little text: top only
            doc.category, doc.model = category, self._model_ref

    def add_entities(self, docs: Sequence[Doc]) -> None:
        """Entities of each title and text, found in the analysed (Simplified) reading and shown in
        the article's own characters (OpenCC's t2s keeps every character in place); a string has one
        type in the whole article, the one it was given most often.  A model that reads the
        segmentation reads the document's own tokens (segmented once, by the pipeline's segmenter)
        when the pipeline's engine is the model's and no user dictionary changes its words; otherwise
        it segments the text itself (its engine, the bundled dictionary), so that its features are
        the ones it was trained on."""
        recognizer = self.recognizer
        shared = recognizer.segmentation == self.settings.engine and not self.settings.user_dicts
        for doc in docs:
            title, text = self.analysed_text(doc)
            title_tokens, text_tokens = (doc.tokens.title, doc.tokens.body) if doc.tokens and shared else (None, None)
            doc.entities = tuple(one_type_per_article(
                _shown_entities(recognizer.spans(title, title_tokens), recognizer.types, doc.title, "title")
                + _shown_entities(recognizer.spans(text, text_tokens), recognizer.types, doc.text, "text")))

    def add_signatures(self, docs: Sequence[Doc]) -> None:
        """The MinHash signature of each document's words (a document read back from its record is
        segmented again, from its title and text, by the same stages)."""
        for doc in docs:
            if doc.tokens is None:
                self.detect_language(doc)
                self.add_tokens(doc)
            doc.signature = self.hasher.signature(doc.tokens.words)

    def mentions(self, doc: Doc) -> Mentions:
        """The document's entities as the keyword ranker reads them: (text in the analysed reading, PER,
        ORG, LOC or the fine type); none before the entity stage has run or when it is off."""
        title, text = self.analysed_text(doc)
        return [((title if e.field == "title" else text)[e.start:e.end], COARSE.get(e.type, e.type))
                for e in doc.entities or ()]

    def keywords_batch(self, docs: Sequence[Segmented],
                       mentions: Sequence[Mentions] | None = None) -> list[list[Keyword]]:
        """The keywords of each of ``docs`` by ``settings.method`` (``combined``: one pass for the batch,
        reading each document's entity ``mentions`` too)."""
        s = self.settings
        if s.top_k == 0:  # keywords off: nothing to rank
            return [[] for _ in docs]
        if s.method == "textrank":
            return textrank_batch(docs, top_k=s.top_k, codes=self.codes, window=s.textrank_window)
        if s.method == "tfidf":
            return [tfidf(doc, self.idf, top_k=s.top_k, pos=s.keyword_pos, stopwords=self.stopwords,
                          title_weight=s.title_weight) for doc in docs]
        return [[Keyword(text, score) for text, score in select(found.texts, self.ranker.score(found.features), s.top_k,
                                                                found)]
                for found in self.keyword_candidates_batch(docs, mentions)]

    def keyword_candidates(self, doc: Segmented, mentions: Mentions = ()) -> Candidates:
        """Phrase candidates of ``doc`` with the features the ``combined`` ranker reads."""
        return self.keyword_candidates_batch([doc], [mentions])[0]

    def keyword_candidates_batch(self, docs: Sequence[Segmented],
                                 mentions: Sequence[Mentions] | None = None) -> list[Candidates]:
        s = self.settings
        batch = TokenBatch.of([(doc.title, doc.body) for doc in docs], self.codes)
        ranks = batch_word_ranks(batch, window=s.textrank_window)
        return batch_candidates(batch, ranks.of_token, self.idf, title_weight=s.title_weight, mentions=mentions)

    # -- what is loaded on first use

    @cached_property
    def idf(self) -> IdfTable:
        s = self.settings
        return IdfTable.load(s.idf_path) if s.idf_path else IdfTable.jieba_default()

    @cached_property
    def recognizer(self) -> EntityRecognizer | None:
        """The entity model (``settings.entity_model_dir``, else the shipped one), or None when off."""
        s = self.settings
        if not s.entities:
            return None
        directory = s.entity_model_dir or default_entity_dir()
        if directory is None:
            raise ConfigError("no entity model: the shipped models/entities is missing (reinstall, or turn entities off)",
                              setting="entity_model_dir")
        return EntityRecognizer.load(directory)

    @cached_property
    def simplifier(self) -> Simplifier:
        return Simplifier()

    @cached_property
    def hasher(self) -> MinHasher:
        return MinHasher()

    @cached_property
    def ranker(self) -> KeyRanker:
        return KeyRanker.bundled()

    def _try_prepare(self, article: Article) -> Doc | Failure:
        try:
            return self.prepare(article)
        except NlpError as error:
            return Failure(article.id, article.source, type(error).__name__, str(error))


INSTALLED_MODEL_DIR = Path("share") / "zh-news-nlp" / "models" / "default"  # pyproject's data-files


def default_model_dir(*, source_root: Path | None = None, prefix: Path | None = None, name: str = "default") -> Path | None:
    """A shipped model (``default``: the category model; ``entities``): ``models/<name>`` of the source
    tree this package runs from, or the copy a regular (non-editable) install puts under
    ``<prefix>/share/zh-news-nlp/models/<name>``."""
    import sys

    source_root = source_root or Path(__file__).resolve().parent.parent
    candidates = [source_root / "models" / name, Path(prefix or sys.prefix) / INSTALLED_MODEL_DIR.parent / name]
    return next((c for c in candidates if (c / "model.json").is_file()), None)


def default_entity_dir() -> Path | None:
    return default_model_dir(name="entities")
