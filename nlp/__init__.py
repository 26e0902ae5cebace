"""Chinese news text analysis: read posts, clean HTML, segment, extract keywords, classify.

The library is the product; ``cli.py`` is a thin layer over it.  Entry points:

* :func:`nlp.io.readers.read_articles` - posts, HTML, text and JSON Lines -> :class:`nlp.doc.Article`
* :class:`nlp.pipeline.Pipeline` - the one place that knows the order of stages
* :mod:`nlp.classify.training` - train / evaluate / save / load category models
"""

__version__ = "0.1.0"
SCHEMA_VERSION = "1.1"
