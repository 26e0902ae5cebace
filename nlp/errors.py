"""One exception family.  Only the CLI turns these into exit codes."""

from __future__ import annotations


class NlpError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    kind = "error"


class InputError(NlpError):
    """An input file or record cannot be read, decoded or parsed."""

    kind = "input"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message


class DataError(NlpError):
    """Labelled training or evaluation data is unusable (too few examples, no labels, ...)."""

    kind = "data"


class ModelError(NlpError):
    """A model directory is missing, tampered with, or made by an incompatible version."""

    kind = "model"


class ConfigError(NlpError):
    """A setting or option has a value the toolkit cannot use.

    ``setting`` names the :class:`~nlp.settings.Settings` field (or argument) at fault, so that a
    front end can name its own option for it (the CLI says ``--timezone`` for ``naive_utc_offset``)."""

    kind = "config"

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
