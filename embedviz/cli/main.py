"""The command line: ``python -m embedviz COMMAND ...``.

Every command that prints results takes ``--json``. Bad input of any kind ends with one line on
stderr and a non-zero exit status: 2 for a malformed command line, 1 for input the engine refused.
"""

from __future__ import annotations

import argparse
import os
import sys

from embedviz.core.errors import EmbedvizError

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (no usage block) and exit with status 2."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see --help)")


class _UsageError(Exception):
    pass


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from embedviz.space.analogy import METHODS as ANALOGY_METHODS
    from embedviz.vectors.formats import FORMATS
    from embedviz.space.projection import METHODS as PROJECTION_METHODS
    from embedviz.training.gensim import ALGORITHMS, TrainingParameters
    from embedviz.vectors.snapshots import SNAPSHOT_WORDS

    TORCH_ALGORITHMS = ("torch-sgns", "torch-classifier")

    defaults = TrainingParameters()
    parser = _Parser(prog="embedviz", description="Train word embeddings and explore their space.")
    parser.add_argument("--home", help="model store folder (default: $EMBEDVIZ_HOME or data/store)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def command(name, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        return sub

    def with_json(sub):
        sub.add_argument("--json", action="store_true", help="print the result as JSON")
        return sub

    p = with_json(command("train", "train word vectors on a corpus and save them in the store"))
    p.add_argument("corpus", nargs="+", help="corpus file(s): .txt, .txt.gz, .zip, .csv, .tsv, .jsonl "
                                             "(with --engine spark: also folders, URIs and .parquet)")
    p.add_argument("--name", help="model name (default: from the corpus file name and algorithm)")
    p.add_argument("--algo", choices=ALGORITHMS + TORCH_ALGORITHMS, default=defaults.algo,
                   help="gensim word2vec or fasttext; torch-sgns (PyTorch skip-gram); torch-classifier "
                        "(an embedding layer learned with a classifier: needs --label-column)")
    p.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    # Unset, each trainer's own default applies (e.g. --epochs: gensim 10, torch-sgns 5, classifier 30).
    p.add_argument("--dim", type=_positive_int, help=f"vector size (default {defaults.dim})")
    p.add_argument("--window", type=_positive_int, help=f"context window (default {defaults.window})")
    p.add_argument("--min-count", type=_positive_int, help=f"rarest word kept (default {defaults.min_count})")
    p.add_argument("--epochs", type=_positive_int, help="passes over the corpus (default: the trainer's)")
    p.add_argument("--negative", type=int, help=f"negative samples (default {defaults.negative})")
    p.add_argument("--sample", type=float, help=f"downsampling threshold (default {defaults.sample})")
    p.add_argument("--seed", type=int, help=f"random seed (default {defaults.seed})")
    p.add_argument("--workers", type=_positive_int, default=defaults.workers,
                   help="worker threads (1 with a fixed seed gives identical vectors every time)")
    p.add_argument("--bucket", type=_positive_int, default=defaults.bucket, help="FastText n-gram buckets")
    p.add_argument("--snapshots", type=int, nargs="?", const=SNAPSHOT_WORDS, default=0, metavar="N",
                   help=f"keep the vectors of the N most frequent words after every epoch (default N: "
                        f"{SNAPSHOT_WORDS:,}), for the evolution command and page; word2vec, fasttext, torch-sgns")
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local (gensim or PyTorch, the default) or spark: Apache Spark's Word2Vec (skip-gram, "
                        "hierarchical softmax), reading CORPUS from any path or URI Spark can read (a folder, "
                        "hdfs://, s3a://; also .parquet); needs requirements-spark.txt and Java 17+")
    p.add_argument("--master", help="with --engine spark: local[*] (the default), local[N], spark://HOST:PORT, "
                                    "yarn or k8s://...")
    p.add_argument("--partitions", type=_positive_int,
                   help="with --engine spark: shares of the corpus trained apart and averaged each iteration "
                        "(default 1: slowest, most accurate)")
    p.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="with --engine spark: a Spark setting, e.g. spark.executor.memory=4g (repeatable)")
    p.add_argument("--text-column", help="column (or JSON field) holding the text; default 'text'")
    p.add_argument("--label-column", action="append", default=[], help="column kept as a label (repeatable)")
    p.add_argument("--encoding", default="utf-8", help="the corpus' text encoding (default UTF-8)")
    p.add_argument("--keep-case", action="store_true", help="do not lowercase")
    p.add_argument("--deaccent", action="store_true", help="strip accents")
    p.add_argument("--numbers", action="store_true", help="keep tokens with digits")
    p.add_argument("--min-len", type=_positive_int, default=2, help="shortest token kept")
    p.add_argument("--max-len", type=_positive_int, default=15, help="longest token kept")
    p.add_argument("--phrases", action="store_true", help="join frequent word pairs (new_york)")
    p.add_argument("--overwrite", action="store_true", help="replace a model of the same name")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _classifier_options(p)

    for name, text in (("curve", "learning curve: retrain on growing fractions of the data and score each"),
                       ("tune", "hyperparameter search (Optuna) scored on a benchmark or validation accuracy")):
        p = with_json(command(name, text))
        p.add_argument("corpus", nargs="+", help="corpus file(s); a table with labels for torch-classifier")
        p.add_argument("--algo", choices=("word2vec", "fasttext", "torch-classifier"), default="word2vec")
        p.add_argument("--score", help="analogies, wordsim353 or simlex999 for word vectors; "
                                        "val_accuracy for the classifier (the default for each)")
        p.add_argument("--text-column")
        p.add_argument("--label-column", action="append", default=[])
        p.add_argument("--encoding", default="utf-8")
        p.add_argument("--dim", type=_positive_int)
        p.add_argument("--epochs", type=_positive_int)
        p.add_argument("--min-count", type=_positive_int)
        p.add_argument("--seed", type=int, default=1, help="the models' seed")
        p.add_argument("--quiet", action="store_true", help="no progress on stderr")
        if name == "curve":
            p.add_argument("--fractions", default="0.1,0.25,0.5,1",
                           help="comma-separated shares of the data, increasing, in (0, 1]")
            p.add_argument("--repeats", type=_positive_int, default=3,
                           help="trainings (seeds) at each fraction up to 25%%: how noisy the curve is")
        else:
            p.add_argument("--trials", type=_positive_int, default=20, help="trials, the defaults included")
            p.add_argument("--timeout", type=float, help="seconds after which no new trial starts")
            p.add_argument("--save", metavar="NAME", help="save the best model in the store as NAME")
            p.add_argument("--confirm", type=int, default=3,
                           help="fresh seeds to retrain the defaults and the best settings with, so the "
                                "gain is measured against seed noise (0: none)")
            p.add_argument("--overwrite", action="store_true")

    p = with_json(command("stats", "corpus statistics: documents, sentences, tokens, vocabulary"))
    p.add_argument("corpus", nargs="+")
    p.add_argument("--text-column")
    p.add_argument("--label-column", action="append", default=[])
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--top", type=_positive_int, default=20, help="how many frequent words to show")

    with_json(command("list", "list the models in the store"))

    p = with_json(command("info", "show a model's metadata"))
    p.add_argument("model")

    p = with_json(command("neighbors", "nearest neighbours of a word by cosine similarity"))
    p.add_argument("model")
    p.add_argument("word")
    p.add_argument("-k", type=_positive_int, default=10)

    p = with_json(command("analogy", 'solve an analogy expression such as "king - man + woman"'))
    p.add_argument("model")
    p.add_argument("expression")
    p.add_argument("-k", type=_positive_int, default=10)
    p.add_argument("--method", choices=ANALOGY_METHODS, default="add", help="3CosAdd or 3CosMul")
    p.add_argument("--keep-inputs", action="store_true", help="allow the input words among the answers")

    p = with_json(command("doesnt-match", "which word does not match the others"))
    p.add_argument("model")
    p.add_argument("words", nargs="+")

    p = with_json(command("project", "project the vectors to 2D or 3D and write the coordinates as CSV"))
    p.add_argument("model")
    p.add_argument("--method", choices=PROJECTION_METHODS, required=True)
    p.add_argument("--dims", type=int, choices=(2, 3), default=2)
    p.add_argument("--top", type=_positive_int, help="the N most frequent words (default: all)")
    p.add_argument("--out", required=True, help="CSV file to write: word,x,y[,z] (documents: "
                                                "document,label,x,y[,z],text)")
    p.add_argument("--documents", metavar="CORPUS", help="map the documents of this corpus instead of the words")
    p.add_argument("--text-column", default="text", help="with --documents: the text column of a table")
    p.add_argument("--label-column", help="with --documents: the column written as each document's label")
    p.add_argument("--weighting", choices=("sif", "mean"), default="sif",
                   help="with --documents: SIF-weighted (default) or plain mean of the word vectors")
    p.add_argument("--limit", type=_positive_int, help="with --documents: at most N documents, spread evenly")
    p.add_argument("--encoding", default="utf-8", help="with --documents: the corpus's text encoding")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE")
    p.add_argument("--neighbors", type=_positive_int, default=15, help="UMAP n_neighbors")
    p.add_argument("--min-dist", type=float, default=0.1, help="UMAP")

    p = with_json(command("evaluate", "score a model on analogy and similarity benchmarks"))
    p.add_argument("model")
    p.add_argument("--analogies", help="your own analogy file (questions-words format)")
    p.add_argument("--pairs", action="append", help="your own word-pair file (word1 word2 score; repeatable)")

    p = with_json(command("compare", "compare two models: words ranked by how far they moved (after "
                                     "aligning B onto A) and by the neighbours they kept"))
    p.add_argument("model_a")
    p.add_argument("model_b")
    p.add_argument("-k", type=_positive_int, default=10, help="neighbours compared per word")
    p.add_argument("--top", type=_positive_int, help="compare only the N most frequent shared words")
    p.add_argument("--min-count", type=int, default=1, help="only words at least this frequent in both")
    p.add_argument("--show", type=_positive_int, default=20, help="words printed (without --json)")

    p = with_json(command("evolution", "how a model's space formed: each epoch's neighbours of some "
                                       "words, aligned to the final vectors (needs train --snapshots)"))
    p.add_argument("model")
    p.add_argument("--words", help="comma-separated words (default: the 5 most frequent kept)")
    p.add_argument("-k", type=_positive_int, default=5)

    p = with_json(command("axis", 'rank words along a typed direction such as "woman - man"'))
    p.add_argument("model")
    p.add_argument("expression")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--top", type=_positive_int, help="place the N most frequent words (default 10,000)")
    group.add_argument("--words", help="comma-separated words to place instead")
    p.add_argument("--show", type=_positive_int, default=10, help="words printed at each end (without --json)")

    p = with_json(command("concordance", "lines of a model's training corpus with a word in context, and "
                                         "the contexts it shares with another word (why they are close)"))
    p.add_argument("model")
    p.add_argument("word")
    p.add_argument("-n", type=_positive_int, default=20, help="lines shown (spread over the corpus)")
    p.add_argument("--with", dest="other", metavar="OTHER", help="a second word: the contexts both share")

    p = with_json(command("import", "import vectors from a file into the store"))
    p.add_argument("file")
    p.add_argument("--name", help="model name (default: from the file name)")
    p.add_argument("--format", choices=FORMATS, help="default: guessed from the file")
    p.add_argument("--metadata", help="Projector metadata.tsv (with --format projector)")
    p.add_argument("--overwrite", action="store_true")

    p = with_json(command("export", "export a model's vectors"))
    p.add_argument("model")
    p.add_argument("--format", choices=("word2vec", "word2vec-binary", "glove", "projector"), required=True)
    p.add_argument("--out", required=True, help="file (word2vec, glove) or folder (projector)")

    p = with_json(command("delete", "delete a model from the store"))
    p.add_argument("model")

    p = with_json(command("rename", "rename a model"))
    p.add_argument("model")
    p.add_argument("new_name")

    p = with_json(command("demo", "install the bundled demo model into the store"))
    p.add_argument("--rebuild", action="store_true",
                   help="retrain the bundled demo vectors from data/ (one worker, fixed seed)")
    return parser


def _classifier_options(p) -> None:
    from embedviz.training.classifier_params import ClassifierParameters

    d = ClassifierParameters()
    group = p.add_argument_group("torch-classifier options (unset: the classifier's defaults)")
    group.add_argument("--pooling", choices=("mean", "gru", "cnn"), help=f"default {d.pooling}")
    group.add_argument("--hidden", type=int, help=f"units of the hidden layer (0: none; default {d.hidden})")
    group.add_argument("--dropout", type=float, help=f"default {d.dropout}")
    group.add_argument("--batch-norm", action="store_true")
    group.add_argument("--weight-decay", type=float, help=f"L2 regularisation (default {d.weight_decay})")
    group.add_argument("--lr", type=float, help=f"Adam learning rate (default {d.lr})")
    group.add_argument("--batch-size", type=_positive_int, help=f"default {d.batch_size}")
    group.add_argument("--patience", type=int, help=f"early stopping (0: off; default {d.patience})")
    group.add_argument("--init-from", help="a model of the store that initialises the embedding layer")
    group.add_argument("--freeze", action="store_true", help="keep the initialised embedding fixed")
    group.add_argument("--augment-deletion", type=float, default=0.0, help="random deletion probability")
    group.add_argument("--augment-swap", type=int, default=0, help="random swaps per text")
    group.add_argument("--augment-synonym", type=float, default=0.0,
                       help="probability of replacing a word by a near neighbour (needs --synonym-model)")
    group.add_argument("--synonym-model", help="the store model whose neighbours replace words")


def main(argv=None) -> int:
    debug = bool(os.environ.get("EMBEDVIZ_DEBUG"))
    try:
        args = build_parser().parse_args(argv)
        from embedviz.cli.commands import run

        return run(args)
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except EmbedvizError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if debug:
            raise
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_REFUSED
    except Exception as exc:  # a bug: still one line, with a way to get the traceback
        if debug:
            raise
        message = " ".join(str(exc).split())
        print(f"internal error: {type(exc).__name__}: {message} (set EMBEDVIZ_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_INTERNAL
