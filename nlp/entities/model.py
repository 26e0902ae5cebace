"""The entity recognizer: a linear-chain CRF over hashed character features, decoded by the compiled core.

A model directory holds ``entities.npz`` (arrays only, loaded with ``allow_pickle=False``) and
``model.json`` (the card: types, checksum, provenance, scores).  A model may also hold a lexicon
(:mod:`nlp.entities.lexicon`) and character clusters (:mod:`nlp.entities.clusters`), and may read
the segmentation of the text (each character's word and part of speech, from the segmenter engine
it names): extra features that only such a model computes.  Saving writes a temporary
directory beside the target and renames it into place, as :mod:`nlp.modelio` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from nlp import __version__
from nlp.errors import ModelError
from nlp.classify.modelio import read_json_card
from nlp.io.textio import staged_directory
from nlp import native
from nlp.entities.clusters import NO_CLUSTER
from nlp.entities.entity import Entity
from nlp.entities.lexicon import Lexicon
from nlp.entities.tidy import tidy
from nlp.text.segment import ENGINES

_core = native.load("nlp.entities._core")  # the compiled core; BuildError if missing or stale

FORMAT_VERSION = 2  # 2: a model may read the segmentation; format 1 files (no such features) still load
READABLE_FORMATS = (1, 2)
ARRAYS_FILE = "entities.npz"
CARD_FILE = "model.json"
FORBIDDEN = -1e9
DENSE = 255  # the compiled core's count of a feature kept as a dense row of weights
DENSE_FROM = 3  # features with this many weights or more are dense rows (3: measured fastest of 2, 3, 5 and 8)
SEEN_BITS = 8  # bits of the compiled core's filter per feature, at least (a power of two: 256 KB for the default model)
ARRAY_NAMES = ("slots", "rows", "offsets", "labels", "values", "transitions", "start", "end")
_ARRAY_TYPES = {"slots": (np.uint64, 1), "rows": (np.int32, 1), "offsets": (np.int32, 1), "labels": (np.uint8, 1),
                "values": (np.float32, 1), "transitions": (np.float32, 2), "start": (np.float32, 1), "end": (np.float32, 1)}
LEXICON_ARRAYS = ("lexicon_chars", "lexicon_lengths", "lexicon_groups")  # optional, all three or none
CLUSTER_ARRAY = "clusters"  # optional
SEGMENTATION_ARRAY = "segmentation"  # optional: the segmenter engine's name (a string array), when the model reads words
_GENERATED = frozenset({"name", "version", "format_version", "created", "types", "features", "model_sha256", "model_bytes", "nlp_version"})


def allowed_transitions(n_types: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from x to, start, end) masks of the BIOES label paths: True where a label may stand.
    Label ids: 0 is O, then ``1 + 4 * type_index + {B: 0, I: 1, E: 2, S: 3}``."""
    n = 1 + 4 * n_types
    closed = [0] + [1 + 4 * t + k for t in range(n_types) for k in (2, 3)]  # O, E-*, S-*
    opening = [0] + [1 + 4 * t + k for t in range(n_types) for k in (0, 3)]  # O, B-*, S-*
    allowed = np.zeros((n, n), bool)
    for a in closed:
        allowed[a, opening] = True
    for t in range(n_types):
        b, i, e = 1 + 4 * t, 2 + 4 * t, 3 + 4 * t
        allowed[[b, i], i] = True
        allowed[[b, i], e] = True
    start = np.zeros(n, bool)
    start[opening] = True
    end = np.zeros(n, bool)
    end[closed] = True
    return allowed, start, end


def hash_table(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Open-addressing table (linear probing, at most half full) of distinct nonzero uint64 ``keys``:
    (slots, rows), where ``rows[slot]`` is the index of the key in ``keys``."""
    keys = np.asarray(keys, np.uint64)
    size = 1 << max(4, int(2 * len(keys)).bit_length())
    at = placed(keys, size)
    slots = np.zeros(size, np.uint64)
    rows = np.full(size, -1, np.int32)
    slots[at], rows[at] = keys, np.arange(len(keys), dtype=np.int32)
    return slots, rows


def placed(keys: np.ndarray, size: int) -> np.ndarray:
    """The slot of each of the distinct nonzero ``keys`` in a linear-probing table of ``size`` (a power
    of two, larger than the number of keys).  Keys go in the order of their home slot (``key & (size -
    1)``; on a tie, the order of ``keys``), each at its home or just after the key before it, whichever
    is later: slot ``i + max(home[j] - j for j <= i)`` for the i-th, so that every slot between a key's
    home and its own is taken, as a lookup requires.  The few that would run past the last slot go to
    the first free slots from slot 0, in the same order."""
    rank = np.arange(len(keys))
    by_home = np.sort(((keys & np.uint64(size - 1)) << np.uint64(32)) | rank.astype(np.uint64))  # home, then index
    order = (by_home & np.uint64(0xFFFFFFFF)).astype(np.int64)
    home = (by_home >> np.uint64(32)).astype(np.int64)
    at = np.maximum.accumulate(home - rank) + rank
    past = at >= size
    if past.any():
        taken = np.zeros(size, bool)
        taken[at[~past]] = True
        at[past] = np.flatnonzero(~taken)[:int(past.sum())]
    out = np.empty(len(keys), np.int64)
    out[order] = at
    return out


def pack(slots: np.ndarray, rows: np.ndarray, offsets: np.ndarray, labels: np.ndarray, values: np.ndarray,
         n_labels: int, *, dense_from: int = DENSE_FROM) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The hash table and weights as the compiled core reads them: (table, seen, weights, dense).

    ``table`` (size x 2, uint64) is ``[key, info | value_bits << 32]`` per slot, ``info = first << 8
    | count``: a feature with one weight keeps it in its slot (``first`` is the label, the float's
    bits above), so that a lookup touches one cache line; one with more points at ``count`` rows
    ``[label, value_bits]`` of ``weights`` (uint32) from ``first``; one with ``dense_from`` or more
    (the frequent characters, most of a text's lookups) has count ``DENSE`` and its weights as row
    ``first`` of ``dense`` (float32, one column per label).  ``seen`` has a bit for each value of the
    low bits of a hash, at least ``SEEN_BITS`` per feature (a power of two), set when a feature has
    them: a lookup whose bit is clear is not made in the table (small enough to stay in cache, 7%
    of its bits are set for the default model, so it stops 93% of the lookups of a feature the
    model lacks; a bit per slot of the half-full table, as before, stopped 70%).  The same lookups
    as the (slots, rows, offsets, labels, values) form, which the model file keeps.  Packed by the
    compiled core (the NumPy program it replaced is the oracle in ``tests/entities/entities_reference.py``)."""
    if dense_from < 2:
        raise ValueError("dense_from must be 2 or more: a feature with one weight keeps it in its slot")
    counts = np.diff(offsets).astype(np.uint64)
    if counts.size and (counts.max() > 255 or len(labels) >= 1 << 24):
        raise ModelError("model has a feature with more than 255 weights or more than 2**24 weights in all")
    return _core.pack(np.ascontiguousarray(slots, np.uint64), np.ascontiguousarray(rows, np.int32),
                      np.ascontiguousarray(offsets, np.int32), np.ascontiguousarray(labels, np.uint8),
                      np.ascontiguousarray(values, np.float32), n_labels, dense_from, SEEN_BITS)


class EntityRecognizer:
    """Finds CLUENER-typed (or any trained-on) entities in text.  Build with :func:`train` or :meth:`load`."""

    def __init__(self, *, types: tuple[str, ...], slots: np.ndarray, rows: np.ndarray, offsets: np.ndarray,
                 labels: np.ndarray, values: np.ndarray, transitions: np.ndarray, start: np.ndarray, end: np.ndarray,
                 lexicon: Lexicon | None = None, clusters: np.ndarray | None = None,
                 segmentation: str | None = None, card: dict[str, Any] | None = None) -> None:
        self.types = tuple(types)
        self.lexicon, self.clusters, self.segmentation = lexicon, clusters, segmentation
        self.extras = extra_features(lexicon, clusters, segmentation)
        self._segmenter: Any = None  # made on first need, for a text given without its tokens
        self.slots, self.rows = slots, rows
        self.offsets, self.labels, self.values = offsets, labels, values
        self.transitions, self.start, self.end = transitions, start, end
        self.card = dict(card or {})
        self._person = next((i for i, t in enumerate(self.types) if t in ("name", "PER")), None)  # for tidy's name rules
        self._check()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_segmenter"] = None  # rjieba's segmenter does not pickle; it is made again on first need
        return state

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays the compiled core decodes with, in its argument order."""
        return (self.slots, self.rows, self.offsets, self.labels, self.values, self.transitions, self.start, self.end)

    def predict(self, text: str, tokens: Sequence[tuple[str, str]] | None = None) -> list[Entity]:
        """Entities of ``text`` in reading order, with character offsets into it (the model's spans
        after the rules of :mod:`nlp.entities.tidy`); ``tokens`` as for :meth:`spans`."""
        types = self.types
        return [Entity(text[a:b], types[t], a, b) for a, b, t in self.spans(text, tokens)]

    def spans(self, text: str, tokens: Sequence[tuple[str, str]] | None = None) -> list[tuple[int, int, int]]:
        """What :meth:`predict` gives as (start, end, index in ``types``), for a caller that makes its
        own entities (the pipeline, which shows them in the article's own characters).  ``tokens``:
        the segmentation of ``text`` that the caller already has (``(word, pos)`` pairs in order, as
        :meth:`nlp.text.segment.Segmenter.tag` gives them), read by a model with word features only;
        such a model segments a text given without them, or with tokens that do not spell it, with its
        own segmenter."""
        if self.segmentation is not None and (tokens is None or not _spells(tokens, text)):
            tokens = self.segmenter.tag(text)
        return tidy(text, _core.tag(text, self._table, self._seen, self._weights, self._dense, self._chain,
                                    self.extras, tokens), self._person)

    @property
    def segmenter(self) -> Any:
        """The segmenter of a model with word features (its engine, the bundled dictionary), made once."""
        if self._segmenter is None:
            self._segmenter = self.segmenter_for(self.segmentation)
        return self._segmenter

    @staticmethod
    def segmenter_for(engine: str | None) -> Any:
        """A segmenter of ``engine`` with the bundled dictionary, as training and prediction use it
        (None for None)."""
        if engine is None:
            return None
        from nlp.text.segment import Segmenter

        return Segmenter(engine=engine)

    def predict_batch(self, texts: Iterable[str]) -> list[list[Entity]]:
        return [self.predict(text) for text in texts]

    def save(self, directory: Path, *, name: str | None = None) -> dict[str, Any]:
        """Write the model to ``directory`` atomically; returns the card as written."""
        directory = Path(directory)
        with staged_directory(directory) as staging:
            path = staging / ARRAYS_FILE
            np.savez(path, **dict(zip(ARRAY_NAMES, self.arrays)), **self._extra_arrays())
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            card = {
                "name": name or directory.name,
                "version": digest[:12],
                "format_version": FORMAT_VERSION,
                "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                "types": list(self.types),
                "features": self.feature_names(),
                "model_sha256": digest,
                "model_bytes": path.stat().st_size,
                "nlp_version": __version__,
                **{k: v for k, v in self.card.items() if k not in _GENERATED},
            }
            (staging / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.card = card
        return card

    @classmethod
    def load(cls, directory: Path) -> "EntityRecognizer":
        """Load a model directory; raises ModelError when it is missing, changed, truncated or malformed."""
        directory = Path(directory)
        card = _read_card(directory)
        path = directory / ARRAYS_FILE
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ModelError(f"{path}: cannot read the model arrays: {error}") from None
        if hashlib.sha256(data).hexdigest() != card.get("model_sha256"):
            raise ModelError(f"{path}: checksum does not match the model card (file changed or truncated)")
        try:
            with np.load(path, allow_pickle=False) as arrays:
                parts = {key: arrays[key] for key in ARRAY_NAMES}
                present = set(arrays.files)
                if present & set(LEXICON_ARRAYS):
                    parts["lexicon"] = Lexicon(*(arrays[key] for key in LEXICON_ARRAYS))
                if CLUSTER_ARRAY in present:
                    parts["clusters"] = arrays[CLUSTER_ARRAY]
                if SEGMENTATION_ARRAY in present:
                    parts["segmentation"] = _engine_name(arrays[SEGMENTATION_ARRAY], path)
        except (OSError, ValueError, KeyError) as error:
            raise ModelError(f"{path}: unreadable model arrays: {error}") from None
        features = card.get("features")
        declared = isinstance(features, list) and any(str(f).startswith("segmentation") for f in features)
        if declared != ("segmentation" in parts):
            raise ModelError(f"{path}: the card and the arrays disagree on whether the model reads the segmentation")
        types = card.get("types")
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise ModelError(f"{directory / CARD_FILE}: 'types' must be a list of names")
        return cls(types=tuple(types), card=card, **parts)

    def feature_names(self) -> list[str]:
        """What the model reads: the character templates, then its lexicon, clusters and segmentation if any."""
        names = ["characters"]
        if self.lexicon is not None:
            names.append(f"lexicon ({len(self.lexicon)} words)")
        if self.clusters is not None:
            names.append(f"character clusters ({int((self.clusters != NO_CLUSTER).sum())} characters)")
        if self.segmentation is not None:
            names.append(f"segmentation ({self.segmentation}: place in word and part of speech)")
        return names

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        out = {}
        if self.lexicon is not None:
            out.update(zip(LEXICON_ARRAYS, (self.lexicon.chars, self.lexicon.lengths, self.lexicon.groups)))
        if self.clusters is not None:
            out[CLUSTER_ARRAY] = self.clusters
        if self.segmentation is not None:
            out[SEGMENTATION_ARRAY] = np.array(self.segmentation)
        return out

    def _check(self) -> None:
        """Refuse arrays the compiled core could read or write out of bounds with."""
        n_labels = 1 + 4 * len(self.types)
        for key, (dtype, ndim) in _ARRAY_TYPES.items():
            value = getattr(self, key)
            if not isinstance(value, np.ndarray) or value.dtype != dtype or value.ndim != ndim:
                raise ModelError(f"model array {key!r} must be a {ndim}-d {np.dtype(dtype).name} array")
            setattr(self, key, np.ascontiguousarray(value))
        size, offsets = len(self.slots), self.offsets
        if size == 0 or size & (size - 1) or self.rows.shape != (size,) or not (self.slots == 0).any():
            raise ModelError("model hash table must have a power-of-two size, a row per slot and an empty slot")
        if n_labels > 256 or self.transitions.shape != (n_labels, n_labels) \
                or self.start.shape != (n_labels,) or self.end.shape != (n_labels,):
            raise ModelError(f"model arrays do not fit {len(self.types)} types ({n_labels} labels)")
        if len(offsets) == 0 or offsets[0] != 0 or (np.diff(offsets) < 0).any() \
                or offsets[-1] != len(self.labels) or len(self.values) != len(self.labels):
            raise ModelError("model weight offsets must rise from 0 to the number of weights")
        used = self.rows[self.slots != 0]
        if used.size and (used.min() < 0 or used.max() >= len(offsets) - 1):
            raise ModelError("model hash table points outside the weight rows")
        if self.labels.size and self.labels.max() >= n_labels:
            raise ModelError("model weights name a label the model does not have")
        rises = np.diff(self.labels.astype(np.int64)) > 0
        rises[offsets[1:-1][(offsets[1:-1] > 0) & (offsets[1:-1] < len(self.labels))] - 1] = True  # across features
        if not rises.all():
            raise ModelError("model weights of a feature must name each label once, in rising order")
        self._table, self._seen, self._weights, self._dense = pack(self.slots, self.rows, self.offsets, self.labels,
                                                                      self.values, n_labels)
        self._chain = _core.Chain(self.transitions, self.start, self.end)


def extra_features(lexicon: Lexicon | None, clusters: np.ndarray | None, segmentation: str | None = None) -> Any:
    """The compiled core's form of a model's lexicon, clusters and word features (None when it has
    none of them); ModelError for arrays of the wrong type or shape, or an unknown segmenter engine."""
    if lexicon is None and clusters is None and segmentation is None:
        return None
    if segmentation is not None and segmentation not in ENGINES:
        raise ModelError(f"model segmentation engine {segmentation!r} is not one of {', '.join(ENGINES)}")
    if lexicon is not None and not (lexicon.chars.dtype == np.uint32 and lexicon.lengths.dtype == np.uint8
                                    and lexicon.groups.dtype == np.uint8):
        raise ModelError("model lexicon arrays must be uint32 characters, uint8 lengths and uint8 groups")
    if clusters is not None and (clusters.dtype != np.uint16 or clusters.shape != (0x10000,)):
        raise ModelError("model clusters must be a uint16 array of 65,536 entries")
    try:
        words = segmentation is not None
        if lexicon is None:
            return _core.Extras(clusters=clusters, words=words)
        return _core.Extras(clusters=clusters, chars=lexicon.chars, lengths=lexicon.lengths, groups=lexicon.groups,
                            words=words)
    except ValueError as error:
        raise ModelError(f"model extra features: {error}") from None


def _spells(tokens: Sequence[tuple[str, str]], text: str) -> bool:
    """Whether the words of ``tokens``, one after the other, are ``text`` without its white space, as
    the core aligns them (it skips the text's white space between words, and reads a token that is
    not the text's next word, a white-space token among them, as the end of the segmentation)."""
    return "".join(map(itemgetter(0), tokens)) == "".join(text.split())  # map: half the generator's time


def _engine_name(array: np.ndarray, path: Path) -> str:
    if array.ndim != 0 or array.dtype.kind != "U" or str(array) not in ENGINES:
        raise ModelError(f"{path}: the segmentation array must name one engine of {', '.join(ENGINES)}")
    return str(array)


def _read_card(directory: Path) -> dict[str, Any]:
    path = directory / CARD_FILE
    card = read_json_card(directory, kind="entity model")
    if card.get("format_version") not in READABLE_FORMATS:
        raise ModelError(f"{path}: not an entity model card of format {' or '.join(map(str, READABLE_FORMATS))} "
                         f"(retrain it with 'nlp train-entities')")
    return card
