"""What each CLI command does: parsed arguments in, engine calls, text or JSON out."""

from __future__ import annotations

import sys

from embedviz.cli.output import emit
from embedviz.vectors.names import name_from
from embedviz.core.errors import ParameterError, StoreError
from embedviz.vectors.store import Store


def run(args) -> int:
    store = Store(args.home) if args.home else Store()
    if args.command not in ("demo", "stats"):
        store.ensure_demo()
    from embedviz.cli import views

    name = "cmd_" + args.command.replace("-", "_")
    handler = globals().get(name) or getattr(views, name)
    return handler(args, store) or 0


def _tokenizer(args):
    from embedviz.text.tokenizer import TokenizerOptions

    return TokenizerOptions(
        lowercase=not getattr(args, "keep_case", False), deaccent=getattr(args, "deaccent", False),
        numbers=getattr(args, "numbers", False), min_len=getattr(args, "min_len", 2),
        max_len=getattr(args, "max_len", 15))


def _corpus(args):
    from embedviz.text.corpus import Corpus

    return Corpus(args.corpus, text_column=args.text_column, label_columns=args.label_column,
                  tokenizer=_tokenizer(args), phrases=getattr(args, "phrases", False), encoding=args.encoding)


def _epoch_printer(args):
    def progress(p):
        if args.quiet or args.json:
            return
        if p.detail:  # what an engine is doing now (Spark's stages)
            print(p.detail, file=sys.stderr)
        elif p.stage == "training":
            parts = [f"epoch {p.epoch}/{p.epochs}"]
            if p.words_per_second:
                parts.append(f"{p.words_per_second:,.0f} words/s")
            if p.loss is not None:
                parts.append(f"loss {p.loss:,.4g}")
            if p.val_loss is not None:
                parts.append(f"validation loss {p.val_loss:.4g}")
            if p.val_accuracy is not None:
                parts.append(f"validation accuracy {p.val_accuracy:.1%}")
            if p.eta is not None:
                parts.append(f"{p.eta:.0f} s left")
            print(", ".join(parts), file=sys.stderr)
        elif p.stage in ("reading", "vocabulary"):
            print(f"{p.stage}...", file=sys.stderr)
    return progress


def _classifier_parameters(args, label_column: str | None) -> dict:
    augment = None
    if args.augment_deletion or args.augment_swap or args.augment_synonym:
        augment = {"deletion": args.augment_deletion, "swap": args.augment_swap,
                   "synonym": args.augment_synonym, "synonym_model": args.synonym_model}
    return dict(text_column=args.text_column, label_column=label_column, batch_norm=args.batch_norm,
                init_from=args.init_from, freeze=args.freeze, augment=augment,
                **_given(args, "pooling", "hidden", "dropout", "weight_decay", "lr", "batch_size", "patience"))


def _given(args, *names) -> dict:
    """The options among ``names`` given on the command line (unset ones keep the trainer's default)."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _label_column(args) -> str:
    if not args.label_column:
        raise ParameterError("torch-classifier needs --label-column (the column holding each text's class)")
    return args.label_column[0]


def cmd_train(args, store: Store) -> int:
    algo = "spark-word2vec" if args.engine == "spark" else args.algo
    name = name_from(args.corpus[0].rstrip("/"), algo) if args.name is None else args.name
    store.path(name)  # checks the name before hours of training
    if store.exists(name) and not args.overwrite:
        raise StoreError(f"a model named {name!r} already exists; use --name or --overwrite")
    progress = _epoch_printer(args)
    extra = None
    spark_options = [f"--{o.replace('_', '-')}" for o in ("master", "partitions", "spark_conf") if getattr(args, o)]
    if args.engine == "spark":
        return _train_spark(args, store, name, progress)
    if spark_options:
        raise ParameterError(f"{spark_options[0]} is an option of --engine spark")
    if args.snapshots and args.algo == "torch-classifier":
        raise ParameterError("--snapshots keeps word vectors per epoch: it is for word2vec, fasttext and "
                             "torch-sgns, not the classifier")
    if args.algo == "torch-classifier":
        from embedviz.training.classifier import ClassifierParameters, train_classifier

        parameters = ClassifierParameters(
            **_classifier_parameters(args, _label_column(args)),
            **_given(args, "dim", "epochs", "min_count", "seed")).validate()
        corpus = _corpus(args)
        result = train_classifier(corpus.paths, parameters, progress=progress, store=store)
        extra = result.files()
        summary = [f"test accuracy {result.test_accuracy:.1%} (validation {result.val_accuracy:.1%})"]
        baseline = result.meta().get("baseline") or {}
        if baseline.get("test_accuracy") is not None:
            summary.append(f"TF-IDF + logistic regression on the same split: {baseline['test_accuracy']:.1%}")
    elif args.algo == "torch-sgns":
        from embedviz.training.sgns import SGNSParameters, train_sgns

        parameters = SGNSParameters(snapshots=args.snapshots, **_given(
            args, "dim", "window", "min_count", "epochs", "negative", "sample", "seed")).validate()
        result = train_sgns(_corpus(args), parameters, progress=progress)
        extra = result.files()
        summary = [f"training: {result.timings['training']:.1f} s, "
                   f"{result.timings['words_per_second']:,.0f} words/s"]
    else:
        from embedviz.training.gensim import TrainingParameters, train

        parameters = TrainingParameters(
            algo=args.algo, sg=args.sg, workers=args.workers, bucket=args.bucket, snapshots=args.snapshots,
            **_given(args, "dim", "window", "min_count", "epochs", "negative", "sample", "seed")).validate()
        result = train(_corpus(args), parameters, progress=progress)
        extra = result.files()
        summary = [f"corpus: {result.corpus['sentences']:,} sentences, {result.corpus['tokens']:,} tokens",
                   f"training: {result.timings['training']:.1f} s, "
                   f"{result.timings['words_per_second']:,.0f} words/s"]
    store.save(name, result.vectors, result.meta(), overwrite=args.overwrite, extra=extra)
    meta = store.meta(name)
    emit(args, meta, [f"saved model {name!r}: {meta['words']:,} words x {meta['dim']} dimensions", *summary])
    return 0


def _train_spark(args, store: Store, name: str, progress) -> int:
    from embedviz.text.spark_reader import SparkSource
    from embedviz.training.spark import SparkParameters, train_spark

    for option, given in (("--algo", args.algo != "word2vec"), ("--snapshots", args.snapshots),
                          ("--phrases", args.phrases), ("--negative", args.negative is not None),
                          ("--sample", args.sample is not None), ("--label-column", args.label_column)):
        if given:
            raise ParameterError(f"{option} is not an option of --engine spark (Spark's Word2Vec is skip-gram "
                                 "with hierarchical softmax, without downsampling or snapshots)")
    parameters = SparkParameters(conf=list(args.spark_conf), **_given(
        args, "dim", "window", "min_count", "epochs", "seed", "partitions", "master")).validate()
    source = SparkSource(tuple(args.corpus), text_column=args.text_column, tokenizer=_tokenizer(args),
                         encoding=args.encoding)
    result = train_spark(source, parameters, progress=progress)
    store.save(name, result.vectors, result.meta(), overwrite=args.overwrite)
    meta = store.meta(name)
    t = result.timings
    emit(args, meta, [f"saved model {name!r}: {meta['words']:,} words x {meta['dim']} dimensions",
                      f"corpus: {result.corpus['sentences']:,} sentences, {result.corpus['tokens']:,} tokens",
                      f"Spark {result.spark['version']} on {result.spark['master']}, {parameters.partitions} "
                      f"partition(s): starting {t['starting']:.1f} s, reading {t['reading']:.1f} s, "
                      f"training {t['training']:.1f} s ({t['words_per_second']:,.0f} words/s)"])
    return 0


def _search_parameters(args) -> tuple[str, dict]:
    kind = "classifier" if args.algo == "torch-classifier" else args.algo
    fixed = {"seed": args.seed}
    for field in ("dim", "epochs", "min_count"):
        if getattr(args, field) is not None:
            fixed[field] = getattr(args, field)
    if kind == "classifier":
        fixed |= {"label_column": _label_column(args), "text_column": args.text_column}
    return kind, fixed


def _data(args):
    """Word vectors read a Corpus; the classifier reads the table files itself."""
    corpus = _corpus(args)
    return corpus.paths if args.algo == "torch-classifier" else corpus


def cmd_curve(args, store: Store) -> int:
    from embedviz.training.curves import learning_curve

    kind, fixed = _search_parameters(args)
    try:
        fractions = [float(x) for x in args.fractions.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(f"--fractions must be numbers separated by commas, not {args.fractions!r}") from None

    def progress(p):
        if not (args.quiet or args.json) and p.stage == "point":
            print(f"point {p.index + 1}/{p.points}: fraction {p.fraction}, score {p.point.score}, "
                  f"{p.elapsed:.0f} s", file=sys.stderr)

    curve = learning_curve(_data(args), kind, fractions=fractions, score=args.score, parameters=fixed,
                           repeats=args.repeats, progress=progress)
    data = curve.to_dict()
    noise = data.get("point_noise") or []
    lines = [f"{point['fraction']:>6.0%} of the data: {curve.score} {point['score']:.4f}"
             + (f" ± {noise[i]:.4f}" if i < len(noise) else "")
             for i, point in enumerate(p for p in data["points"] if p["score"] is not None)]
    emit(args, data, lines + [f"verdict: {data['verdict']}", data["reading"]])
    return 0


def cmd_tune(args, store: Store) -> int:
    from embedviz.training.tune import tune

    kind, fixed = _search_parameters(args)
    if args.save:
        store.path(args.save)
        if store.exists(args.save) and not args.overwrite:
            raise StoreError(f"a model named {args.save!r} already exists; use --overwrite or another name")

    def progress(p):
        if not (args.quiet or args.json) and p.stage == "trial-done":
            score = "failed" if p.score is None else f"{p.score:.4f}"
            best = "none yet" if p.best_score is None else f"{p.best_score:.4f}"
            print(f"trial {p.trial + 1}/{p.trials}: {score} (best so far {best})", file=sys.stderr)

    result = tune(kind, _data(args), trials=args.trials, score=args.score, seed=0, fixed=fixed,
                  timeout=args.timeout, progress=progress, confirm=args.confirm)
    if args.save:
        result.save_best(store, args.save, overwrite=args.overwrite)
    data = result.to_dict() | {"saved": args.save}
    lines = [f"defaults: {result.score} {result.default_score:.4f}",
             f"best (trial {data['best_trial']}): {result.best_score:.4f}, gain {result.gain:+.4f}",
             "best parameters: " + ", ".join(f"{k}={v}" for k, v in result.best_params.items()),
             result.reading()]
    if args.save:
        lines.append(f"saved the best model as {args.save!r}")
    emit(args, data, lines)
    return 0


def cmd_stats(args, store: Store) -> int:
    statistics = _corpus(args).statistics(top=args.top)
    lines = [f"documents: {statistics.documents:,}", f"sentences: {statistics.sentences:,}",
             f"tokens: {statistics.tokens:,}", f"vocabulary: {statistics.vocabulary:,}",
             "most frequent: " + ", ".join(f"{w} ({c:,})" for w, c in statistics.most_common)]
    for column, values in statistics.labels.items():
        lines.append(f"{column}: " + ", ".join(f"{v} ({c:,})" for v, c in list(values.items())[:20]))
    emit(args, statistics.to_dict(), lines)
    return 0


def cmd_list(args, store: Store) -> int:
    models = store.list()
    lines = [f"{m['name']:<24} {m.get('words', 0):>9,} words  {m.get('dim', 0):>4} dims  "
             f"{m.get('trainer', '?')}" for m in models] or ["the store is empty"]
    emit(args, models, lines)
    return 0


def cmd_info(args, store: Store) -> int:
    meta = store.meta(args.model)
    lines = [f"{key}: {value}" for key, value in meta.items() if key != "history"]
    emit(args, meta, lines)
    return 0


def cmd_neighbors(args, store: Store) -> int:
    from embedviz.space.neighbours import neighbours

    vectors = store.load(args.model)
    word = vectors.resolve(args.word)
    found = neighbours(vectors, word, k=args.k)
    emit(args, {"word": word, "neighbours": [n._asdict() for n in found]},
         [f"{n.word:<20} {n.score:.4f}" for n in found])
    return 0


def cmd_analogy(args, store: Store) -> int:
    from embedviz.space.analogy import solve

    result = solve(store.load(args.model), args.expression, k=args.k, method=args.method,
                   keep_inputs=args.keep_inputs)
    emit(args, result.to_dict(), [f"{a.word:<20} {a.score:.4f}" for a in result.answers])
    return 0


def cmd_doesnt_match(args, store: Store) -> int:
    from embedviz.space.neighbours import doesnt_match

    odd = doesnt_match(store.load(args.model), args.words)
    emit(args, {"words": args.words, "doesnt_match": odd}, [odd])
    return 0


def cmd_project(args, store: Store) -> int:
    from embedviz.space.projection import project

    if args.documents:
        from embedviz.cli.views import project_documents

        return project_documents(args, store)

    projection = project(store.load(args.model), method=args.method, dims=args.dims, top=args.top,
                         seed=args.seed, perplexity=args.perplexity, n_neighbors=args.neighbors,
                         min_dist=args.min_dist, cache_dir=store.cache_dir(args.model))
    projection.to_csv(args.out)
    trust = "exact" if projection.trust_sample is None else f"estimated on {projection.trust_sample:,} words"
    summary = {
        "model": args.model, "out": str(args.out), "method": projection.method, "dims": projection.dims,
        "words": len(projection.words), "params": projection.params,
        "trustworthiness": projection.trustworthiness, "trust_k": projection.trust_k,
        "trust_sample": projection.trust_sample, "seconds": projection.seconds, "cached": projection.cached,
    }
    emit(args, summary, [
        f"wrote {len(projection.words):,} words to {args.out}",
        f"{projection.method} {projection.dims}D in {projection.seconds:.1f} s"
        + (" (from the cache)" if projection.cached else ""),
        f"trustworthiness (k={projection.trust_k}, {trust}): {projection.trustworthiness:.3f}",
    ])
    return 0


def cmd_evaluate(args, store: Store) -> int:
    from embedviz.space.scores import evaluate_model

    # Merged into the scores the model has, as the Evaluate page does.
    scores = evaluate_model(store, args.model, analogies=args.analogies, pairs=args.pairs,
                            standard=not (args.analogies or args.pairs))
    lines = []
    for name, by_method in scores.get("analogies", {}).items():
        for method, score in by_method.items():
            accuracy = "n/a" if score["accuracy"] is None else f"{score['accuracy']:.1%}"
            lines.append(f"{name} ({method}): {accuracy} of {score['total']:,} covered questions "
                         f"(coverage {score['coverage']:.1%})")
    for name, score in scores.get("pairs", {}).items():
        rho = "n/a" if score["spearman"] is None else f"{score['spearman']:.3f}"
        lines.append(f"{name}: Spearman {rho} on {score['covered']:,} of {score['pairs']:,} pairs "
                     f"({score['oov_ratio']:.1f}% out of vocabulary)")
    emit(args, scores, lines)
    return 0


def cmd_import(args, store: Store) -> int:
    from embedviz.vectors.exchange import import_file

    meta = import_file(store, args.file, args.name, args.format, args.metadata, overwrite=args.overwrite)
    lines = [f"imported {meta['words']:,} words x {meta['dim']} dimensions as {meta['name']!r}"]
    zero = meta["source"].get("zero_vectors")
    if zero:
        lines.append(f"note: {zero:,} of them have an all-zero vector, "
                     "whose cosine similarity to every word is 0")
    emit(args, meta, lines)
    return 0


def cmd_export(args, store: Store) -> int:
    from embedviz.vectors.writers import write_glove, write_projector, write_word2vec

    vectors = store.load(args.model)
    if args.format == "projector":
        written = [str(p) for p in write_projector(vectors, args.out)]
    elif args.format == "glove":
        write_glove(vectors, args.out)
        written = [args.out]
    else:
        write_word2vec(vectors, args.out, binary=args.format == "word2vec-binary")
        written = [args.out]
    emit(args, {"model": args.model, "format": args.format, "files": written},
         [f"wrote {p}" for p in written])
    return 0


def cmd_delete(args, store: Store) -> int:
    store.delete(args.model)
    emit(args, {"deleted": args.model}, [f"deleted model {args.model!r}"])
    return 0


def cmd_rename(args, store: Store) -> int:
    store.rename(args.model, args.new_name)
    emit(args, {"renamed": args.model, "to": args.new_name},
         [f"renamed {args.model!r} to {args.new_name!r}"])
    return 0


def cmd_demo(args, store: Store) -> int:
    from embedviz.training.demo import build_demo

    if args.rebuild:
        build_demo()
    store.install_demo()
    meta = store.meta("demo")
    emit(args, meta, [f"installed the demo model: {meta['words']:,} words x {meta['dim']} dimensions"])
    return 0
