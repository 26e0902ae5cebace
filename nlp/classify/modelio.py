"""Model directories: ``model.skops`` (skops format, never pickle) + ``model.json`` (the card).

Loading checks the card's format version, then asks skops which types the file would create
and refuses anything outside scikit-learn, NumPy/SciPy and this package's two feature
callables: a tampered file fails with a clear error and executes nothing.  Saving writes to a
temporary directory beside the target and renames it into place, so a crash never leaves a
half-written model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from nlp import SCHEMA_VERSION, __version__
from nlp.classify.model import Model
from nlp.errors import ModelError
from nlp.io.textio import staged_directory

FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
CARD_FILE = "model.json"
FINGERPRINT_FILE = "fingerprints.npy"
PREDICTOR_FILE = "predictor.npz"
# Card keys that save() computes afresh (a loaded model's old values are dropped).
_GENERATED = frozenset({"name", "version", "format_version", "schema_version", "created", "model_sha256", "model_bytes",
                        "predictor_sha256", "fingerprints_sha256", "library_versions"})
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")
# This package's types and functions that saved models may name (and nothing else of it).
TRUSTED_TYPES = (
    "nlp.classify.features.split_tokens", "nlp.classify.features.join_tokens", "nlp.classify.features.lead_characters",
    "nlp.classify.vectorizers.CompactTfidfVectorizer", "nlp.classify.nbsvm.NBLinearSVC",
)
# Where the modules that models saved before the layered layout (0.1) name now live.
MOVED_MODULES = {"nlp.vectorize": "nlp.classify.vectorizers", "nlp.features": "nlp.classify.features",
                 "nlp.nbsvm": "nlp.classify.nbsvm"}
_FEATURE_FUNCTIONS = ("split_tokens", "join_tokens", "lead_characters")


def library_versions() -> dict[str, str]:
    from importlib import metadata  # here, not at the top: only saving a model needs it (10 ms of every start)

    versions = {"nlp": __version__}
    for name in ("scikit-learn", "numpy", "scipy", "skops", "jieba", "rjieba"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def save(model: Model, directory: Path, *, name: str | None = None) -> dict[str, Any]:
    """Write ``model`` to ``directory`` atomically; returns the card as written."""
    import skops.io as sio

    directory = Path(directory)
    with staged_directory(directory) as staging:
        model_path = staging / MODEL_FILE
        sio.dump(model.pipeline, model_path)
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        extra = {}
        if _export_predictor(model, staging / PREDICTOR_FILE):
            extra["predictor_sha256"] = hashlib.sha256((staging / PREDICTOR_FILE).read_bytes()).hexdigest()
        if model.trained_on is not None:
            np.save(staging / FINGERPRINT_FILE, model.trained_on, allow_pickle=False)
            extra["fingerprints_sha256"] = hashlib.sha256((staging / FINGERPRINT_FILE).read_bytes()).hexdigest()
        card = {
            "name": name or directory.name,
            "version": digest[:12],
            "format_version": FORMAT_VERSION,
            "schema_version": SCHEMA_VERSION,
            "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "model_sha256": digest,
            "model_bytes": model_path.stat().st_size,
            **{k: v for k, v in model.card.items() if k not in _GENERATED},
            **extra,
            "library_versions": library_versions(),
        }
        (staging / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def load(directory: Path, *, fast: bool = False) -> Model:
    """Load a model directory; raises ModelError for anything missing, tampered or incompatible.

    With ``fast``, the exported NumPy predictor is used when the directory has one: the same
    probabilities, without importing scikit-learn (annotation uses this)."""
    directory = Path(directory)
    card = read_card(directory)
    if fast and card.get("predictor_sha256") and (directory / PREDICTOR_FILE).is_file():
        return Model(_load_predictor(directory / PREDICTOR_FILE, card), card, _load_fingerprints(directory, card))
    import skops.io as sio

    model_path = directory / MODEL_FILE
    if not model_path.is_file():
        raise ModelError(f"{directory}: no {MODEL_FILE} in the model directory")
    data = model_path.read_bytes()
    if card.get("model_sha256") and hashlib.sha256(data).hexdigest() != card["model_sha256"]:
        raise ModelError(f"{model_path}: checksum does not match the model card (file changed or truncated)")
    data = _with_moved_modules(data)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as error:  # skops raises many types for corrupt archives
        raise ModelError(f"{model_path}: not a readable skops model ({type(error).__name__}: {error})") from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES and not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelError(f"{model_path}: refusing to load unknown types: {', '.join(sorted(refused))}")
    try:
        pipeline = sio.loads(data, trusted=untrusted)
    except Exception as error:
        raise ModelError(f"{model_path}: cannot load model ({type(error).__name__}: {error})") from None
    if not hasattr(pipeline, "predict_proba"):
        raise ModelError(f"{model_path}: the stored object is not a classifier with probabilities")
    return Model(pipeline, card, _load_fingerprints(directory, card))


def _with_moved_modules(data: bytes) -> bytes:
    """A skops archive whose type references name today's modules (models saved before the layered
    layout name ``nlp.vectorize`` and ``nlp.features``).  Only ``__module__`` values are rewritten."""
    import io
    import re
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = archive.read("schema.json").decode("utf-8")
            members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return data  # not for us to judge here: skops says what is wrong with it

    def moved(match: re.Match) -> str:
        module, cls = match.group(2), match.group(1)
        target = MOVED_MODULES.get(module, module)
        if module == "nlp.vectorize" and cls in _FEATURE_FUNCTIONS:  # the feature callables were re-exported there
            target = "nlp.classify.features"
        return match.group(0).replace(f'"{module}"', f'"{target}"')

    renamed = re.sub(r'"__class__": "(\w+)",\s*"__module__": "(nlp\.\w+)"', moved, schema)
    if renamed == schema:
        return data
    members["schema.json"] = renamed.encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _export_predictor(model: Model, path: Path) -> bool:
    """Write the NumPy predictor of a calibrated linear pipeline (the shape ``nlp train`` makes);
    False for other shapes (out-of-core, two labels), which load through skops only.  A pipeline
    of the exportable shape that fails to export is an error: the model is not saved."""
    from nlp.classify.predictor import LinearTextPredictor

    if not _exportable_shape(model.pipeline):
        return False
    try:
        LinearTextPredictor.from_pipeline(model.pipeline).save(path)
    except Exception as error:
        raise ModelError(f"{path}: cannot export the model's NumPy predictor ({type(error).__name__}: {error}); "
                         "nothing was saved") from error
    return True


def _exportable_shape(pipeline: Any) -> bool:
    steps = getattr(pipeline, "named_steps", {})
    classifier = steps.get("classifier")
    return ("features" in steps and getattr(classifier, "method", None) == "sigmoid"
            and len(getattr(classifier, "calibrated_classifiers_", ())) == 1 and len(getattr(classifier, "classes_", ())) >= 3)


def _load_predictor(path: Path, card: dict[str, Any]):
    from nlp.classify.predictor import LinearTextPredictor

    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != card["predictor_sha256"]:
        raise ModelError(f"{path}: checksum does not match the model card (file changed or truncated)")
    try:
        return LinearTextPredictor.load(data)
    except (ValueError, KeyError, OSError) as error:
        raise ModelError(f"{path}: unreadable predictor: {error}") from None


def _load_fingerprints(directory: Path, card: dict[str, Any]) -> np.ndarray | None:
    path = directory / FINGERPRINT_FILE
    if not path.is_file():
        return None
    data = path.read_bytes()
    if card.get("fingerprints_sha256") and hashlib.sha256(data).hexdigest() != card["fingerprints_sha256"]:
        raise ModelError(f"{path}: checksum does not match the model card (file changed or truncated)")
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise ModelError(f"{path}: unreadable fingerprints: {error}") from None
    if values.dtype != np.uint64 or values.ndim != 1:
        raise ModelError(f"{path}: fingerprints must be a 1-d uint64 array")
    return values


def read_json_card(directory: Path, *, kind: str = "model") -> dict[str, Any]:
    """The ``model.json`` of a model directory as a dict (ModelError naming the file otherwise);
    ``kind`` names the directory in messages ("model", "entity model")."""
    path = Path(directory) / CARD_FILE
    if not Path(directory).is_dir():
        raise ModelError(f"{directory}: {kind} directory not found")
    try:
        card = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{directory}: no {CARD_FILE} in the {kind} directory") from None
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: unreadable model card: {error}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{path}: the model card is not a JSON object")
    return card


def read_card(directory: Path) -> dict[str, Any]:
    path = Path(directory) / CARD_FILE
    card = read_json_card(directory)
    version = card.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {version!r} was made by an incompatible version "
            f"(this toolkit reads format {FORMAT_VERSION}); retrain it with 'nlp train'"
        )
    return card
