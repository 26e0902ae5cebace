"""The entity type sets the recognizer knows (the span itself, :class:`nlp.doc.Entity`, is part of the document)."""

from __future__ import annotations

from nlp.doc import Entity

# CLUENER 2020's ten fine-grained types, in the order a model numbers them.
TYPES = ("name", "company", "organization", "government", "address", "scene", "position", "game", "book", "movie")
# MSRA (SIGHAN 2006) coarse types; a training file may use them instead of the fine ones.
MSRA_TYPES = ("PER", "LOC", "ORG")
KNOWN_TYPES = TYPES + MSRA_TYPES
# Fine -> coarse, for scoring a fine-typed model on MSRA; the other four fine types have no coarse type.
COARSE = {"name": "PER", "address": "LOC", "scene": "LOC",
          "company": "ORG", "organization": "ORG", "government": "ORG"}


def coarsen(entities: list[Entity]) -> list[Entity]:
    """Fine-typed entities as PER/LOC/ORG (:data:`COARSE`); coarse ones kept, unmapped types dropped."""
    out = []
    for entity in entities:
        kind = entity.type if entity.type in MSRA_TYPES else COARSE.get(entity.type)
        if kind is not None:
            out.append(Entity(entity.text, kind, entity.start, entity.end))
    return out
