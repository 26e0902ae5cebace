"""What a server worker needs to build its app, carried to ``uvicorn --workers N`` processes.

uvicorn starts each worker from an import string, so the options of ``nlp serve`` travel as one JSON
value in the environment (``NLP_SERVE_CONFIG``); the API key travels in ``NLP_API_KEY``, the variable
users set themselves.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from nlp.errors import ConfigError
from nlp.settings import Settings

CONFIG_VARIABLE = "NLP_SERVE_CONFIG"
API_KEY_VARIABLE = "NLP_API_KEY"
DEFAULT_MAX_BYTES = 4 * 1024 * 1024  # per request body (a batch included)
DEFAULT_TIMEOUT = 30.0  # seconds per request, queueing included
DEFAULT_MAX_PENDING = 64  # requests waiting for a worker's annotation thread before 503


@dataclass(frozen=True)
class ServeConfig:
    settings: Settings = Settings()
    model_dir: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    max_pending: int = DEFAULT_MAX_PENDING

    def to_json(self) -> str:
        return json.dumps({
            "settings": settings_to_json(self.settings),
            "model_dir": str(self.model_dir) if self.model_dir else None,
            "max_bytes": self.max_bytes, "timeout": self.timeout, "max_pending": self.max_pending,
        })

    @classmethod
    def from_json(cls, text: str) -> "ServeConfig":
        try:
            data = json.loads(text)
            settings = settings_from_json(data["settings"])
            return cls(settings, Path(data["model_dir"]) if data["model_dir"] else None, int(data["max_bytes"]),
                       float(data["timeout"]), int(data["max_pending"]))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"{CONFIG_VARIABLE}: unreadable server configuration ({error})") from None


def settings_to_json(settings: Settings) -> dict[str, Any]:
    """Every field of ``settings`` as JSON values (paths as strings, sets and tuples as lists)."""
    out: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, (tuple, list)):
            value = [str(v) if isinstance(v, Path) else v for v in value]
        elif isinstance(value, frozenset):
            value = sorted(value)
        out[f.name] = value
    return out


def settings_from_json(data: Mapping[str, Any]) -> Settings:
    """The inverse of :func:`settings_to_json` (a field it does not know is an error)."""
    defaults = Settings()
    values: dict[str, Any] = {}
    for name, value in data.items():
        default = getattr(defaults, name)  # AttributeError for an unknown field
        if name in ("user_dicts", "boilerplate_files"):
            value = tuple(Path(v) for v in value)
        elif name == "idf_path":
            value = Path(value) if value else None
        elif isinstance(default, frozenset):
            value = frozenset(value)
        values[name] = value
    return Settings(**values)


def from_environment(environ: Mapping[str, str] | None = None) -> tuple[ServeConfig, str | None]:
    """The configuration and API key a worker process was started with."""
    env = os.environ if environ is None else environ
    text = env.get(CONFIG_VARIABLE)
    config = ServeConfig.from_json(text) if text else ServeConfig()
    return config, env.get(API_KEY_VARIABLE) or None


def settings_summary(settings: Settings) -> dict[str, Any]:
    """The annotation settings a client may see (file names, not paths)."""
    return {"engine": settings.engine, "method": settings.method, "top_k": settings.top_k,
            "min_score": settings.min_score, "min_chars": settings.min_chars, "timezone": settings.naive_utc_offset,
            "idf": settings.idf_path.name if settings.idf_path else None,
            "user_dicts": [p.name for p in settings.user_dicts],
            "boilerplate": [p.name for p in settings.boilerplate_files]}
