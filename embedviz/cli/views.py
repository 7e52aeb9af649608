"""The CLI's commands that explain a space: ``compare``, ``evolution``, ``axis``, ``concordance`` and
``project --documents``."""

from __future__ import annotations

from embedviz.cli.output import emit
from embedviz.vectors.store import Store


# -- what changed and along what ------------------------------------------------------------------
def cmd_compare(args, store: Store) -> int:
    from embedviz.space.comparison import compare

    result = compare(store.load(args.model_a), store.load(args.model_b), k=args.k, top=args.top,
                     min_count=args.min_count)
    lines = [f"{result.shared:,} shared words, {len(result.words):,} compared; mean overlap of "
             f"{result.k} neighbours {result.mean_overlap:.3f}"]
    if result.aligned:
        lines.append(f"mean shift after alignment {result.mean_shift:.4f}; most moved first:")
    else:
        lines.append(f"not aligned: {result.reason}; least overlap first:")
    for w in result.words[:args.show]:
        shift = "" if w.shift is None else f"shift {w.shift:.4f}  "
        lines.append(f"{w.word:<20} {shift}overlap {w.overlap:.2f}  counts {w.count_a:,} / {w.count_b:,}")
    emit(args, result.to_dict(), lines)
    return 0


def cmd_evolution(args, store: Store) -> int:
    from embedviz.space.analogy import split_words
    from embedviz.space.evolution import evolution
    from embedviz.vectors.snapshots import Snapshots

    found = evolution(Snapshots.load(store.path(args.model), model=f"model {args.model!r}"))
    words = split_words(args.words) if args.words else found.words[:5]
    data = found.to_dict(words, k=args.k)
    lines = []
    for epoch in data["epochs"]:
        loss = "" if epoch["loss"] is None else f" (loss {epoch['loss']:,.4g})"
        lines.append(f"epoch {epoch['epoch']}{loss}")
        for word, about in epoch["words"].items():
            near = ", ".join(n["word"] for n in about["neighbours"])
            lines.append(f"  {word:<16} shift to final {about['shift_to_final']:.3f}: {near}")
    emit(args, data, lines)
    return 0


def cmd_axis(args, store: Store) -> int:
    from embedviz.space.analogy import split_words
    from embedviz.space.axes import axis_scores

    words = split_words(args.words) if args.words else None
    top = None if words else (args.top or 10_000)
    scores = axis_scores(store.load(args.model), args.expression, top=top, words=words)
    shown = scores if len(scores) <= 2 * args.show else [*scores[:args.show], None, *scores[-args.show:]]
    emit(args, {"expression": args.expression, "words": scores.to_records()},
         ["..." if s is None else f"{s.word:<20} {s.score:+.4f}" for s in shown])
    return 0


# -- the corpus behind a word ---------------------------------------------------------------------
def cmd_concordance(args, store: Store) -> int:
    from embedviz.space.concordance import concordance_index

    index = concordance_index(store, args.model)
    lines = index.lines(args.word, args.n)
    data = {"word": args.word, "count": index.count(args.word), "lines": [line._asdict() for line in lines]}
    width = max((len(line.left) for line in lines), default=0)
    shown = [f"{line.left:>{width}}  [{line.word}]  {line.right}    ({line.document})" for line in lines]
    if args.other:
        shared = index.shared(args.word, args.other, args.n)
        data["with"] = args.other
        data["shared"] = [c._asdict() for c in shared]
        shown += ["", f"contexts {args.word} and {args.other} share (most telling first):"]
        shown += [f"  {c.word:<16} {c.count_a:>6,} / {c.count_b:<6,} x{c.lift:.1f} chance" for c in shared]
    emit(args, data, shown)
    return 0


# -- maps of documents ----------------------------------------------------------------------------
def project_documents(args, store: Store) -> int:
    from embedviz.space.documents import document_map
    from embedviz.text.corpus import Corpus

    labels = [args.label_column] if args.label_column else []
    corpus = Corpus(args.documents, text_column=args.text_column, label_columns=labels, encoding=args.encoding)
    found = document_map(store.load(args.model), corpus, args.method, args.dims, args.weighting,
                         label_column=args.label_column, limit=args.limit, seed=args.seed,
                         perplexity=args.perplexity, n_neighbors=args.neighbors, min_dist=args.min_dist)
    found.to_csv(args.out)
    docs, projection = found.documents, found.projection
    summary = {"model": args.model, "documents": len(docs), "skipped": docs.skipped, "out": str(args.out),
               "method": projection.method, "dims": projection.dims, "weighting": docs.weighting,
               "trustworthiness": projection.trustworthiness, "seconds": projection.seconds}
    lines = [f"wrote {len(docs):,} documents to {args.out}"
             + (f" ({docs.skipped:,} left out: no word the model knows)" if docs.skipped else ""),
             f"{projection.method} {projection.dims}D of {docs.weighting} document vectors in {projection.seconds:.1f} s"]
    if args.label_column and len(docs) > 10:
        agreement, chance = docs.label_agreement(args.label_column)
        summary["label_agreement"], summary["chance"] = agreement, chance
        lines.append(f"{agreement:.1%} of each document's 10 nearest share its {args.label_column} "
                     f"(chance: {chance:.1%})")
    emit(args, summary, lines)
    return 0
