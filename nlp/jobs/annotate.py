"""A whole annotation run: inputs -> annotations written to a file, part files or stdout.

Everything `nlp annotate` does beyond parsing its options lives here: resuming, writing whole
lines, near-duplicate marking, local workers or a Dask cluster, and the summary.
"""

from __future__ import annotations

import json
import signal
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterator

from nlp.doc import Doc, Failure
from nlp.errors import ConfigError, InputError, NlpError
from nlp.io.output import FileOutput, JsonlWriter, PartWriter, skip_done
from nlp.io.readers import DEFAULT_MAX_BYTES, check_inputs, read_articles
from nlp.io.textio import check_output_path
from nlp.jobs.cluster import annotate_on_cluster, client_for
from nlp.jobs.dedup import mark_duplicates
from nlp.jobs.runner import annotate_records
from nlp.report.summary import Summary
from nlp.settings import Settings


@dataclass(frozen=True)
class AnnotateJob:
    inputs: tuple[str, ...]
    settings: Settings = Settings()
    model_dir: Path | None = None
    output: Path | None = None  # None: stdout
    parts: bool = False  # write part files into the directory ``output``
    jobs: int = 1
    resume: bool = False
    dedup: bool = False
    scheduler: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class RunResult:
    summary: Summary = field(default_factory=Summary)
    resumed: int = 0
    interrupted: bool = False
    passed_over: Counter[str] = field(default_factory=Counter)  # files a directory walk skipped, by reason


def wants_parts(output: str | None) -> bool:
    """``-o DIR/`` (a trailing slash) or an existing directory asks for part files."""
    return output is not None and (output.endswith("/") or Path(output).is_dir())


def run(job: AnnotateJob, *, progress: Callable[[Summary], None] = lambda s: None) -> RunResult:
    """Annotate ``job.inputs`` into ``job.output``.  Ctrl-C or SIGTERM stops at a line boundary
    (``interrupted`` is set); finish with the same job and ``resume=True``.

    Every setting, file and input is checked (:func:`check_job`) before the output is opened; the
    output is written beside its target and renamed into place when the run ends or is stopped
    cleanly, so a run that fails leaves an existing output as it was."""
    check_job(job)
    result = RunResult()
    target, writer = _open_output(job)
    done = target.done if isinstance(target, FileOutput) else set()
    result.resumed = len(done)
    records = skip_done(read_articles(job.inputs, naive_offset=job.settings.naive_utc_offset, max_bytes=job.max_bytes,
                                      passed_over=result.passed_over), done)
    try:
        try:
            with _sigterm_as_interrupt(), client_for(job.scheduler) as client:
                for item in _annotated(job, records, client):
                    writer.write(item)
                    result.summary.add(item)
                    progress(result.summary)
        except KeyboardInterrupt:
            result.interrupted = True
        writer.flush()
    except BaseException:
        if target is not None:
            target.abandon()
        raise
    if target is not None:
        target.commit()
    return result


def check_job(job: AnnotateJob) -> None:
    """Raise the error a run would meet at its start: a missing input or empty folder, an unusable
    output path, scheduler address, IDF table, user dictionary, rule file or model directory."""
    if job.resume and (job.output is None or job.parts):
        raise ConfigError("resuming needs an output file to finish (not standard output or part files)", setting="resume")
    if job.max_bytes < 1:
        raise ConfigError(f"max_bytes must be at least 1, got {job.max_bytes}", setting="max_bytes")
    check_inputs(job.inputs)
    if job.output is not None:
        check_output_apart(job.output, job.inputs)
    if job.output is not None and not job.parts:
        check_output_path(job.output)
    elif job.output is not None and job.output.exists() and not job.output.is_dir():
        raise InputError(str(job.output), "cannot write part files: it is a file, not a directory")
    if job.scheduler:
        from nlp.jobs.cluster import parse_scheduler

        parse_scheduler(job.scheduler)
    check_settings_files(job.settings)
    if job.model_dir is not None:
        from nlp.classify.modelio import read_card

        with _about("model_dir"):
            read_card(job.model_dir)


def check_output_apart(output: Path, inputs) -> None:
    """The output must not be an input, nor lie inside an input folder (the walk would read it,
    or its partial file, while it is being written)."""
    target = Path(output).resolve()
    for item in inputs:
        if str(item) == "-":
            continue
        root = Path(item).resolve()
        if target == root:
            raise InputError(str(output), "the output is also an input: it would be overwritten")
        if root.is_dir() and root in target.parents:
            raise InputError(str(output), f"the output is inside the input folder {item}: it would be read as an input")


def check_settings_files(settings: Settings) -> None:
    """The files ``settings`` name can be read and look right: the IDF table (its first lines),
    user dictionaries and cleaning-rule files (whole, with no unknown keys)."""
    from nlp.text.clean import CleaningRules
    from nlp.text.segment import read_user_dict

    if settings.idf_path is not None:
        _check_idf_head(Path(settings.idf_path))
    if settings.entities and settings.entity_model_dir is not None:
        from nlp.entities.model import EntityRecognizer

        with _about("entity_model_dir"):
            EntityRecognizer.load(Path(settings.entity_model_dir))
    with _about("user_dicts"):
        for path in settings.user_dicts:
            read_user_dict(path)
    with _about("boilerplate_files"):
        for path in settings.boilerplate_files:
            _check_rule_keys(Path(path), {f.name for f in fields(CleaningRules)})
        CleaningRules.load(settings.boilerplate_files)


@contextmanager
def _about(setting: str):
    """Errors inside the block are about ``setting`` (a ConfigError that says so)."""
    try:
        yield
    except NlpError as error:
        if isinstance(error, ConfigError) and error.setting:
            raise
        raise ConfigError(str(error), setting=setting) from None


def _check_idf_head(path: Path, lines: int = 20) -> None:
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            head = [handle.readline() for _ in range(lines)]
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(f"{path}: cannot read IDF file: {reason}", setting="idf_path") from None
    for number, line in enumerate(head, start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            valid = len(parts) == 2 and float(parts[1]) >= 0
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(f"{path}:{number}: expected 'word idf', got {line.strip()[:80]!r}", setting="idf_path")


def _check_rule_keys(path: Path, known: set[str]) -> None:
    """A misspelt key (``drop_linez``) would be ignored without a word: refuse it."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return  # CleaningRules.load says what is wrong
    unknown = sorted(set(data) - known) if isinstance(data, dict) else []
    if unknown:
        raise ConfigError(f"{path}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} in "
                          f"cleaning rules (known: {', '.join(sorted(known))})", setting="boilerplate_files")


def _annotated(job: AnnotateJob, records, client) -> Iterator[Doc | Failure]:
    settings = job.settings.with_(signatures=True) if job.dedup else job.settings  # signed where the tokens are
    if client is None:
        out = annotate_records(records, settings, job.model_dir, jobs=job.jobs)
    else:
        out = annotate_on_cluster(client, records, settings, job.model_dir)
    if job.dedup:
        out = mark_duplicates(out, settings=job.settings)
    return out


def _open_output(job: AnnotateJob):
    """(the output to commit or abandon, or None for stdout; a writer of whole lines into it)."""
    if job.parts:
        parts = PartWriter(job.output)
        return parts, parts
    if job.output is None:
        return None, JsonlWriter(sys.stdout.buffer)
    target = FileOutput(job.output, resume=job.resume)
    return target, JsonlWriter(target.stream)


@contextmanager
def _sigterm_as_interrupt():
    """Inside the block SIGTERM stops the run like Ctrl-C (only possible from the main thread)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
