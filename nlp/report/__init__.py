"""Keyword and entity reports over annotation files: counted by :mod:`nlp.report.tally`, written by
:mod:`nlp.report.render` in one of ``FORMATS`` (kept here, so that the command line lists them
without importing the writers)."""

FORMATS = ("html", "md", "csv", "json")
