"""Named entities: CLUENER's ten types (or MSRA's three) as character spans of a text.

    recognizer = EntityRecognizer.load("models/entities")
    recognizer.predict("浙商银行的叶老桂认为……")  # [Entity(text='浙商银行', type='company', start=0, end=4), ...]
"""

from nlp.entities.data import Example, is_held_out, read_examples
from nlp.entities.entity import COARSE, KNOWN_TYPES, MSRA_TYPES, TYPES, Entity, coarsen
from nlp.entities.model import EntityRecognizer
from nlp.entities.training import Evaluation, TrainOptions, TypeScore, evaluate, format_evaluation, score, train

__all__ = ["COARSE", "KNOWN_TYPES", "MSRA_TYPES", "TYPES", "Entity", "EntityRecognizer", "Evaluation", "Example",
           "TrainOptions", "TypeScore", "coarsen", "evaluate", "format_evaluation", "is_held_out", "read_examples",
           "score", "train"]
