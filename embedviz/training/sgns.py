"""Skip-gram with negative sampling (SGNS, Mikolov et al. 2013) trained with PyTorch.

word2vec's skip-gram, written out step by step so that an embedding layer can be watched learning:

1. The corpus is read once into an array of word ids. The vocabulary is gensim's: words seen at least
   ``min_count`` times, most frequent first.
2. Each epoch, frequent words are dropped at random with gensim's subsampling rate, every word left
   gets a window drawn uniformly from 1..``window`` (word2vec's dynamic window), and all its
   (centre, context) pairs are made at once with numpy, a chunk of text at a time, then shuffled.
3. Each pair gets ``negative`` noise words drawn from the unigram distribution raised to 0.75.
4. Two embedding tables, ``input`` (centre words: the vectors handed back) and ``output``
   (context and noise words), learn by SGD on ``-log σ(u·v) - Σ log σ(-u·v_noise)``, with word2vec's
   learning rate decaying linearly from ``alpha`` to ``min_alpha``.

The gradient of that loss with respect to a score is just ``σ(score) - label``, so the step computes it
by hand and adds it into the rows it touched (``index_add_``): autograd and sparse optimizers spend
more time on bookkeeping than on the arithmetic here. ``torch.compile`` fuses the step into a few
loops (about 4 times faster on CPU); without a C++ compiler it runs as plain PyTorch.

>>> result = train_sgns(Corpus("data/kjv.csv.gz"), SGNSParameters(epochs=5))   # doctest: +SKIP
>>> result.meta()["trainer"]
'torch-sgns'
"""

from __future__ import annotations

import array
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Callable, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.params import Flag, Number, Optional, Parameters, Whole, rule
from embedviz.core.progress import Progress
from embedviz.training.gensim import TrainingResult
from embedviz.vectors.snapshots import SnapshotRecorder
from embedviz.vectors.vectors import Vectors

TRAINER = "torch-sgns"
MAX_SENTENCE = 10_000     # gensim splits longer sentences: windows never cross the cut
CAP = 16.0                # a word's updates summed in one batch count at most this many times
CHUNK_TOKENS = 100_000    # words turned into pairs at once (~30 MB of pairs and noise words)
log = logging.getLogger(__name__)


@dataclass
class SGNSParameters(Parameters):
    """Hyperparameters of :func:`train_sgns`; the defaults are word2vec's skip-gram defaults."""

    WHAT = "training parameter"
    algo: ClassVar[str] = TRAINER
    dim: int = field(default=100, metadata=rule(Whole(1, "EMBEDVIZ_MAX_DIMENSIONS")))
    window: int = field(default=5, metadata=rule(Whole(1, 100)))
    min_count: int = field(default=5, metadata=rule(Whole(1, 10**9)))
    epochs: int = field(default=5, metadata=rule(Whole(1, 1000)))
    negative: int = field(default=5, metadata=rule(Whole(1, 100)))
    # subsampling threshold (0: keep every word)
    sample: float = field(default=1e-3, metadata=rule(Number(0, 1, high_open=True)))
    # SGD learning rate per pair at the start, decaying linearly to min_alpha at the end
    alpha: float = field(default=0.025, metadata=rule(Number(0, 1, low_open=True)))
    min_alpha: float = field(default=0.0001, metadata=rule(Number(0, 1)))
    batch_size: int = field(default=4096, metadata=rule(Whole(1, 1_000_000)))  # (centre, context) pairs per update
    seed: int = field(default=1, metadata=rule(Whole(0, 2**31 - 1)))
    # CPU threads: 1 does everything in turn; 2 makes pairs in a second thread while PyTorch
    # trains; None: 2 if the machine has 2 cores
    threads: int | None = field(default=None, metadata=rule(Optional(Whole(1, 64))))
    # torch.compile the update step (plain PyTorch if that fails)
    compile: bool = field(default=True, metadata=rule(Flag()))
    # keep the vectors of this many most frequent words after every epoch (0: none; see snapshots.py)
    snapshots: int = field(default=0, metadata=rule(Whole(0, 100_000)))

    def check_together(self) -> None:
        if self.min_alpha > self.alpha:
            raise ParameterError(f"min_alpha must be at most alpha ({self.alpha}), not {self.min_alpha!r}")

    def to_dict(self) -> dict:
        return {"algo": self.algo, **asdict(self)}

    @classmethod
    def from_dict(cls, values: dict) -> "SGNSParameters":
        values = dict(values)
        if values.pop("algo", TRAINER) != TRAINER:
            raise ParameterError(f"these parameters are not for {TRAINER}")
        return super().from_dict(values)


@dataclass
class SGNSResult(TrainingResult):
    """A :class:`TrainingResult` whose ``meta()`` names this trainer (train.py's says gensim)."""

    compiled: bool = False    # whether torch.compile ran the update step

    def meta(self) -> dict:
        return {**super().meta(), "trainer": TRAINER, "compiled": self.compiled}


# -- the corpus as word ids --------------------------------------------------------------------
@dataclass
class EncodedCorpus:
    """The corpus as in-vocabulary word ids, with the sentence each one belongs to."""

    words: list[str]             # the vocabulary, most frequent first
    counts: np.ndarray           # corpus count of each word
    ids: np.ndarray              # int32 word ids, out-of-vocabulary words left out
    sentences: np.ndarray        # int32 sentence number of each id
    sentence_count: int
    token_count: int             # every token read, in the vocabulary or not

    def keep_probability(self, sample: float) -> np.ndarray:
        """gensim's chance of keeping each word when subsampling with threshold ``sample``."""
        if not sample:
            return np.ones(len(self.words))
        threshold = sample * self.counts.sum()
        return np.minimum((np.sqrt(self.counts / threshold) + 1) * threshold / self.counts, 1.0)

    def chunks(self, size: int = CHUNK_TOKENS):
        """(start, stop) ranges of about ``size`` ids, cut at sentence ends."""
        ends = np.flatnonzero(np.diff(self.sentences)) + 1    # first id of each new sentence
        start = 0
        while start < len(self.ids):
            at = np.searchsorted(ends, start + size)
            stop = int(ends[at]) if at < len(ends) else len(self.ids)
            yield start, stop
            start = stop


def encode(sentences, min_count: int) -> EncodedCorpus:
    """Read tokenised ``sentences`` once; keep the words seen ``min_count`` times, as gensim does."""
    first_seen: dict[str, int] = {}
    raw = array.array("i")        # ids in order of first appearance
    lengths = array.array("i")
    for tokens in sentences:
        for start in range(0, len(tokens), MAX_SENTENCE):
            piece = tokens[start:start + MAX_SENTENCE]
            raw.extend([first_seen.setdefault(t, len(first_seen)) for t in piece])
            lengths.append(len(piece))
    raw_ids = np.frombuffer(raw, dtype=np.int32)
    if len(raw_ids) == 0:
        raise CorpusError("the corpus has no words to train on (after tokenisation)")
    counts = np.bincount(raw_ids)
    kept = np.flatnonzero(counts >= min_count)
    # gensim's order: count descending, ties the word seen last first
    kept = kept[np.lexsort((-kept, -counts[kept]))]
    if len(kept) < 2:
        raise CorpusError(f"too little text to train on: {len(kept)} word(s) occur at least "
                          f"min_count={min_count} times; lower min_count or give more text")
    new_id = np.full(len(counts), -1, dtype=np.int32)
    new_id[kept] = np.arange(len(kept), dtype=np.int32)
    ids = new_id[raw_ids]
    in_vocabulary = ids >= 0
    sentence_of = np.repeat(np.arange(len(lengths), dtype=np.int32), np.frombuffer(lengths, np.int32))
    words = list(first_seen)
    return EncodedCorpus([words[i] for i in kept], counts[kept], ids[in_vocabulary],
                         sentence_of[in_vocabulary], len(lengths), len(raw_ids))


# -- pairs and noise words -----------------------------------------------------------------------
def window_pairs(sentences: np.ndarray, window: int, rng: np.random.Generator):
    """Every (centre, context) pair of positions, word2vec's dynamic window drawn per centre.

    ``sentences`` gives each position's sentence number. Returns (centres, contexts, windows): two
    arrays of positions, and each position's reduced window (uniform in 1..``window``).
    """
    reduced = rng.integers(1, window + 1, size=len(sentences))
    centres, contexts = [], []
    for distance in range(1, window + 1):
        same = sentences[:-distance] == sentences[distance:]
        left = np.flatnonzero(same & (reduced[:-distance] >= distance))   # context to the right
        right = np.flatnonzero(same & (reduced[distance:] >= distance))   # context to the left
        centres += [left, right + distance]
        contexts += [left + distance, right]
    return np.concatenate(centres), np.concatenate(contexts), reduced


class NoiseDistribution:
    """Draws noise words with probability proportional to count ** power, in O(1) each.

    Walker's alias method: slot i of V equal slots keeps word i with chance ``keep[i]`` and otherwise
    gives its alias, a word with more than its share. Exact, and faster than a search in the
    cumulative distribution.
    """

    def __init__(self, counts: np.ndarray, power: float = 0.75):
        weight = counts.astype(np.float64) ** power
        keep = weight * len(weight) / weight.sum()     # a slot's share, 1 on average
        alias = np.arange(len(weight))
        small, large = list(np.flatnonzero(keep < 1)), list(np.flatnonzero(keep >= 1))
        while small and large:  # give each small slot's rest to a large word
            poor, rich = small.pop(), large.pop()
            alias[poor] = rich
            keep[rich] -= 1.0 - keep[poor]
            (small if keep[rich] < 1 else large).append(rich)
        keep[small + large] = 1.0    # what is left is full (up to rounding)
        self.keep, self.alias = keep, alias

    def probabilities(self) -> np.ndarray:
        """Each word's probability, as the table draws it."""
        return (self.keep + np.bincount(self.alias, 1.0 - self.keep, len(self.keep))) / len(self.keep)

    def draw(self, shape, rng: np.random.Generator) -> np.ndarray:
        scaled = rng.random(shape) * len(self.keep)
        slot = np.minimum(scaled.astype(np.int64), len(self.keep) - 1)
        return np.where(scaled - slot < self.keep[slot], slot, self.alias[slot])


class PairSampler:
    """Makes each epoch's training examples: subsampled words, their window pairs, noise words."""

    def __init__(self, data: EncodedCorpus, p: SGNSParameters):
        self.data, self.p = data, p
        self.keep = data.keep_probability(p.sample)
        self.noise = NoiseDistribution(data.counts)

    def subsample(self, ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Which of ``ids`` to keep this epoch (True), each word with its keep probability."""
        return rng.random(len(ids)) < self.keep[ids]

    def chunk(self, start: int, stop: int, rng: np.random.Generator):
        """The pairs of ids[start:stop], shuffled: centres (n,) and targets (n, 1 + negative), each
        row a context word then its noise words."""
        kept = self.subsample(self.data.ids[start:stop], rng)
        ids = self.data.ids[start:stop][kept].astype(np.int64)
        centres, contexts, _ = window_pairs(self.data.sentences[start:stop][kept], self.p.window, rng)
        order = rng.permutation(len(centres))          # a batch mixes the whole chunk
        targets = np.empty((len(order), 1 + self.p.negative), dtype=np.int64)
        targets[:, 0] = ids[contexts[order]]
        targets[:, 1:] = self.noise.draw((len(order), self.p.negative), rng)
        return ids[centres[order]], targets

    def epoch(self, rng: np.random.Generator, ahead: bool = False):
        """The batches of one epoch, all of ``batch_size`` pairs but the last: tuples (centres,
        targets, their damping, fraction of the epoch done). ``ahead``: the batches of the next
        chunk are made in a background thread while the caller trains on these."""
        chunks, size = list(self.data.chunks()), self.p.batch_size
        left = [np.empty(0, np.int64), np.empty((0, 1 + self.p.negative), np.int64)]

        def batches_of(i: int) -> list:   # called for each chunk in turn
            start, stop = chunks[i]
            centres, targets = (np.concatenate([a, b]) for a, b in zip(left, self.chunk(start, stop, rng)))
            full = len(centres) if i == len(chunks) - 1 else len(centres) - len(centres) % size
            left[:] = centres[full:], targets[full:]
            return [(centres[at:at + size], targets[at:at + size], damping(centres[at:at + size]),
                     damping(targets[at:at + size]),
                     (start + (stop - start) * min(at + size, full) / full) / len(self.data.ids))
                    for at in range(0, full, size)]

        for batches in (_made_ahead if ahead else map)(batches_of, range(len(chunks))):
            yield from batches


def damping(rows: np.ndarray, cap: float = CAP) -> np.ndarray:
    """min(1, cap / how often each row occurs among ``rows``), float32 of ``rows``' shape.

    word2vec makes a frequent word's updates one after another, each from the vector the last one
    left; a batch adds them all up from the same vector, which overshoots when there are many (and
    diverges: without this, the demo corpora gave NaN at 16,384 pairs a batch). A word met more
    than ``cap`` times in a batch gets its summed update scaled down to ``cap`` updates.
    """
    hits = np.bincount(rows.ravel())
    return np.minimum(1.0, cap / hits[rows]).astype(np.float32)


def _made_ahead(make, items):
    """``make(item)`` for each item, the next one made in a background thread while the caller
    works on this one (numpy lets go of the GIL). Same results in the same order as ``map``."""
    items = list(items)
    with ThreadPoolExecutor(1, thread_name_prefix="sgns-pairs") as pool:
        future = pool.submit(make, items[0])
        for item in items[1:]:
            made, future = future.result(), pool.submit(make, item)
            yield made
        yield future.result()


# -- the model and its update ----------------------------------------------------------------------
def sgns_step(input_vectors, output_vectors, centres, targets, centre_damping, target_damping, lr):
    """One SGD step on a batch, in place; returns the batch's summed loss.

    ``centres`` (B,) index ``input_vectors``; ``targets`` (B, 1 + negative) index ``output_vectors``:
    each pair's context word, then its noise words. The dampings (see :func:`damping`) scale each
    row's update. ``lr`` is a 0-d tensor, so that a new value does not recompile the step.
    """
    batch, dim = targets.shape[0], input_vectors.shape[1]
    u = input_vectors.index_select(0, centres)                                       # (B, d)
    v = output_vectors.index_select(0, targets.reshape(-1)).view(batch, -1, dim)     # (B, 1+k, d)
    scores = (v * u.unsqueeze(1)).sum(-1)                                            # (B, 1+k)
    loss = -(F.logsigmoid(scores[:, 0]).sum() + F.logsigmoid(-scores[:, 1:]).sum())
    labels = torch.zeros_like(scores)
    labels[:, 0] = 1.0
    gradient = (torch.sigmoid(scores) - labels) * lr          # d loss / d score, times lr
    input_vectors.index_add_(0, centres, (gradient.unsqueeze(-1) * v).sum(1) * centre_damping.unsqueeze(1),
                             alpha=-1.0)
    output_vectors.index_add_(0, targets.reshape(-1),
                              ((gradient * target_damping).unsqueeze(-1) * u.unsqueeze(1)).view(-1, dim),
                              alpha=-1.0)
    return loss


def _compiled_step(input_vectors, output_vectors, p: SGNSParameters):
    """``sgns_step`` compiled for full batches, tried once on copies; ``None`` when that fails."""
    if not p.compile:
        return None
    try:
        step = torch.compile(sgns_step)
        trial = input_vectors.clone(), output_vectors.clone()
        for table in trial:  # any vocabulary size: compiled once, then found in inductor's cache
            torch._dynamo.mark_dynamic(table, 0)
        centres = torch.zeros(p.batch_size, dtype=torch.int64)
        targets = torch.zeros((p.batch_size, 1 + p.negative), dtype=torch.int64)
        ones = torch.ones(centres.shape), torch.ones(targets.shape)
        step(*trial, centres, targets, *ones, torch.tensor(0.0))
        return step
    except Exception as exc:  # no C++ compiler, unsupported platform...: plain PyTorch is correct too
        log.warning("torch.compile failed, training with plain PyTorch: %s", exc)
        return None


# -- training ----------------------------------------------------------------------------------
def train_sgns(corpus, parameters: SGNSParameters | None = None,
               progress: Callable[[Progress], None] | None = None) -> SGNSResult:
    """Train skip-gram vectors on ``corpus`` (a :class:`Corpus` or any iterable of token lists).

    Returns an :class:`SGNSResult`: the input embeddings as :class:`Vectors`, the parameters, one
    :class:`Progress` per epoch (tokens/s, mean loss per pair) and timings. The same seed gives
    identical vectors for a given ``threads`` up to 2.
    """
    p = (parameters or SGNSParameters()).validate()
    report = progress or (lambda item: None)
    start = time.perf_counter()
    report(Progress("reading", epochs=p.epochs))
    sentences = corpus.sentences() if hasattr(corpus, "sentences") else iter(corpus)
    data = encode(sentences, p.min_count)
    if not np.any(data.sentences[1:] == data.sentences[:-1]):
        raise CorpusError("no sentence has two words of the vocabulary: there is nothing to learn from")
    reading = time.perf_counter() - start
    report(Progress("vocabulary", epochs=p.epochs, elapsed=reading))

    threads = p.threads or min(2, os.cpu_count() or 1)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads - 1))   # the other thread makes the batches
    try:
        generator = torch.Generator().manual_seed(p.seed)
        input_vectors = (torch.rand(len(data.words), p.dim, generator=generator) - 0.5) / p.dim
        output_vectors = torch.zeros(len(data.words), p.dim)
        t0 = time.perf_counter()
        compiled = _compiled_step(input_vectors, output_vectors, p)
        t1 = time.perf_counter()
        recorder = SnapshotRecorder(p.snapshots) if p.snapshots else None
        history = _train_epochs(data, p, (input_vectors, output_vectors), compiled, threads,
                                start, report, recorder)
        t2 = time.perf_counter()
    finally:
        torch.set_num_threads(previous_threads)
    vectors = Vectors(data.words, input_vectors.numpy().copy(), data.counts)
    timings = {"reading": reading, "compile": t1 - t0, "training": t2 - t1, "total": t2 - start,
               "words_per_second": data.token_count * p.epochs / (t2 - t1)}
    report(Progress("done", epoch=p.epochs, epochs=p.epochs, elapsed=timings["total"]))
    description = corpus.describe() if hasattr(corpus, "describe") else {}
    snapshots = recorder.snapshots([h.loss for h in history]) if recorder else None
    return SGNSResult(vectors, p, history,
                      {"sentences": data.sentence_count, "tokens": data.token_count, **description},
                      timings, snapshots, compiled=compiled is not None)


def _train_epochs(data, p, tables, compiled, threads, start, report, recorder=None) -> list[Progress]:
    rng = np.random.default_rng(p.seed)
    sampler = PairSampler(data, p)
    lr = torch.tensor(float(p.alpha))
    history: list[Progress] = []
    train_start = time.perf_counter()
    for epoch in range(p.epochs):
        epoch_start = time.perf_counter()
        loss, pairs = torch.zeros(()), 0
        for *batch, done in sampler.epoch(rng, ahead=threads > 1):
            lr.fill_(p.alpha - (p.alpha - p.min_alpha) * (epoch + done) / p.epochs)
            step = compiled if compiled is not None and len(batch[0]) == p.batch_size else sgns_step
            loss += step(*tables, *map(torch.from_numpy, batch), lr)
            pairs += len(batch[0])
        now = time.perf_counter()
        seconds = now - epoch_start
        history.append(Progress(
            "training", epoch=epoch + 1, epochs=p.epochs, elapsed=now - start,
            words_per_second=data.token_count / seconds if seconds > 0 else None,
            loss=float(loss) / pairs if pairs else None,
            eta=(now - train_start) / (epoch + 1) * (p.epochs - epoch - 1)))
        if recorder is not None:
            recorder.take(data.words, tables[0].numpy())
        report(history[-1])
    return history
