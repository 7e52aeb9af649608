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
more time on bookkeeping than on the arithmetic here. ``torch.compile`` fuses the step into one loop
(several times faster on CPU); without a C++ compiler it runs as plain PyTorch.

>>> result = train_sgns(Corpus("data/kjv.csv.gz"), SGNSParameters(epochs=5))   # doctest: +SKIP
>>> result.meta()["trainer"]
'torch-sgns'
"""

from __future__ import annotations

import array
import logging
import os
import queue
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Callable, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from .errors import CorpusError, ParameterError
from .settings import setting
from .train import Progress, TrainingResult, _int_range
from .vectors import Vectors

TRAINER = "torch-sgns"
MAX_SENTENCE = 10_000     # gensim splits longer sentences: windows never cross the cut
CHUNK_TOKENS = 100_000    # words turned into pairs at once (~30 MB of pairs and noise words)
log = logging.getLogger(__name__)


@dataclass
class SGNSParameters:
    """Hyperparameters of :func:`train_sgns`; the defaults are word2vec's skip-gram defaults."""

    algo: ClassVar[str] = TRAINER
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    negative: int = 5
    sample: float = 1e-3      # subsampling threshold (0: keep every word)
    alpha: float = 0.025      # SGD learning rate per pair at the start ...
    min_alpha: float = 0.0001  # ... decaying linearly to this at the end
    batch_size: int = 4096    # (centre, context) pairs per update
    seed: int = 1
    threads: int | None = None  # CPU threads: 1 does everything in turn; 2 makes pairs in a second
    #                             thread while PyTorch trains; None: 2 if the machine has 2 cores
    compile: bool = True      # torch.compile the update step (plain PyTorch if that fails)

    def validate(self) -> "SGNSParameters":
        _int_range("dim", self.dim, 1, setting("EMBEDVIZ_MAX_DIMENSIONS"))
        _int_range("window", self.window, 1, 100)
        _int_range("min_count", self.min_count, 1, 10**9)
        _int_range("epochs", self.epochs, 1, 1000)
        _int_range("negative", self.negative, 1, 100)
        _int_range("batch_size", self.batch_size, 1, 1_000_000)
        _int_range("seed", self.seed, 0, 2**31 - 1)
        if self.threads is not None:
            _int_range("threads", self.threads, 1, 64)
        if not isinstance(self.sample, (int, float)) or not (0 <= self.sample < 1):
            raise ParameterError(f"sample must be in [0, 1), not {self.sample!r}")
        if not isinstance(self.alpha, (int, float)) or not (0 < self.alpha <= 1):
            raise ParameterError(f"alpha must be in (0, 1], not {self.alpha!r}")
        if not isinstance(self.min_alpha, (int, float)) or not (0 <= self.min_alpha <= self.alpha):
            raise ParameterError(f"min_alpha must be in [0, alpha], not {self.min_alpha!r}")
        if not isinstance(self.compile, bool):
            raise ParameterError(f"compile must be true or false, not {self.compile!r}")
        return self

    def to_dict(self) -> dict:
        return {"algo": self.algo, **asdict(self)}

    @classmethod
    def from_dict(cls, values: dict) -> "SGNSParameters":
        values = dict(values)
        if values.pop("algo", TRAINER) != TRAINER:
            raise ParameterError(f"these parameters are not for {TRAINER}")
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ParameterError(f"unknown training parameter {unknown[0]!r}")
        return cls(**values)


class SGNSResult(TrainingResult):
    """A :class:`TrainingResult` whose ``meta()`` names this trainer."""

    def meta(self) -> dict:
        return {**super().meta(), "trainer": TRAINER}


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

    def noise_table(self) -> np.ndarray:
        """Cumulative unigram^0.75 distribution: ``searchsorted`` on it draws noise words."""
        table = np.cumsum(self.counts.astype(np.float64) ** 0.75)
        return table / table[-1]

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


def draw_noise(table: np.ndarray, shape, rng: np.random.Generator) -> np.ndarray:
    """Noise words drawn from the distribution whose cumulative ``table`` is given."""
    return np.searchsorted(table, rng.random(shape), side="right")


def epoch_batches(data: EncodedCorpus, p: SGNSParameters, rng: np.random.Generator):
    """Batches of one epoch: (centres, targets) int64 arrays, targets = context then noise words,
    and the fraction of the epoch done (for the learning rate). Every batch is full but the last."""
    keep, table = data.keep_probability(p.sample), data.noise_table()
    pending = np.empty((0, 2 + p.negative), dtype=np.int64)
    for start, stop in data.chunks():
        ids = data.ids[start:stop]
        kept = rng.random(len(ids)) < keep[ids]
        ids = ids[kept]
        centres, contexts, _ = window_pairs(data.sentences[start:stop][kept], p.window, rng)
        order = rng.permutation(len(centres))
        rows = np.empty((len(order), 2 + p.negative), dtype=np.int64)
        rows[:, 0], rows[:, 1] = ids[centres[order]], ids[contexts[order]]
        rows[:, 2:] = draw_noise(table, (len(order), p.negative), rng)
        rows = np.concatenate([pending, rows])
        full = len(rows) - len(rows) % p.batch_size
        for at in range(0, full, p.batch_size):
            done = start + (stop - start) * (at + p.batch_size) / max(full, 1)
            batch = rows[at:at + p.batch_size]
            yield batch[:, 0].copy(), batch[:, 1:].copy(), done / len(data.ids)
        pending = rows[full:]
    if len(pending):
        yield pending[:, 0].copy(), pending[:, 1:].copy(), 1.0


def _prefetched(batches, depth: int = 8):
    """Iterate ``batches`` made in a background thread (numpy lets go of the GIL while it works)."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce():
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        pass
                if stop.is_set():
                    return
            items.put(end)
        except BaseException as exc:  # handed to the consumer, raised there
            items.put(exc)

    thread = threading.Thread(target=produce, daemon=True, name="sgns-pairs")
    thread.start()
    try:
        while (item := items.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


# -- the model and its update ----------------------------------------------------------------------
def sgns_step(input_vectors, output_vectors, centres, targets, lr):
    """One SGD step on a batch, in place; returns the batch's summed loss.

    ``centres`` (B,) index ``input_vectors``; ``targets`` (B, 1 + negative) index ``output_vectors``:
    each pair's context word, then its noise words. ``lr`` is a 0-d tensor (the step is compiled once).
    """
    batch, dim = targets.shape[0], input_vectors.shape[1]
    u = input_vectors.index_select(0, centres)                                       # (B, d)
    v = output_vectors.index_select(0, targets.reshape(-1)).view(batch, -1, dim)     # (B, 1+k, d)
    scores = (v * u.unsqueeze(1)).sum(-1)                                            # (B, 1+k)
    loss = -(F.logsigmoid(scores[:, 0]).sum() + F.logsigmoid(-scores[:, 1:]).sum())
    labels = torch.zeros_like(scores)
    labels[:, 0] = 1.0
    gradient = (torch.sigmoid(scores) - labels) * lr          # d loss / d score, times lr
    input_vectors.index_add_(0, centres, (gradient.unsqueeze(-1) * v).sum(1), alpha=-1.0)
    output_vectors.index_add_(0, targets.reshape(-1),
                              (gradient.unsqueeze(-1) * u.unsqueeze(1)).view(-1, dim), alpha=-1.0)
    return loss


def _compiled_step(input_vectors, output_vectors, p: SGNSParameters):
    """``sgns_step`` compiled for full batches, tried once on copies; ``None`` when that fails."""
    if not p.compile:
        return None
    try:
        step = torch.compile(sgns_step, dynamic=False)
        trial = input_vectors.clone(), output_vectors.clone()
        targets = torch.zeros((p.batch_size, 1 + p.negative), dtype=torch.int64)
        step(*trial, targets[:, 0], targets, torch.tensor(0.0))
        return step
    except Exception as exc:  # no C++ compiler, unsupported platform...: plain PyTorch is correct too
        log.warning("torch.compile failed, training with plain PyTorch: %s", exc)
        return None


def default_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


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

    threads = p.threads or default_threads()
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads - 1))
    try:
        generator = torch.Generator().manual_seed(p.seed)
        vocabulary = len(data.words)
        input_vectors = (torch.rand(vocabulary, p.dim, generator=generator) - 0.5) / p.dim
        output_vectors = torch.zeros(vocabulary, p.dim)
        t0 = time.perf_counter()
        compiled = _compiled_step(input_vectors, output_vectors, p)
        compiling = time.perf_counter() - t0
        history = _train_epochs(data, p, input_vectors, output_vectors, compiled, threads, start, report)
    finally:
        torch.set_num_threads(previous_threads)
    training = sum(h.seconds for h in history)
    vectors = Vectors(data.words, input_vectors.numpy().copy(), data.counts)
    total = time.perf_counter() - start
    timings = {"reading": reading, "compile": compiling, "training": training, "total": total,
               "words_per_second": data.token_count * p.epochs / training, "compiled": compiled is not None}
    report(Progress("done", epoch=p.epochs, epochs=p.epochs, elapsed=total))
    description = corpus.describe() if hasattr(corpus, "describe") else {}
    return SGNSResult(vectors, p, [h.progress for h in history],
                      {"sentences": data.sentence_count, "tokens": data.token_count, **description},
                      timings)


@dataclass
class _Epoch:
    progress: Progress
    seconds: float


def _train_epochs(data, p, input_vectors, output_vectors, compiled, threads, start, report):
    rng = np.random.default_rng(p.seed)
    lr = torch.tensor(float(p.alpha))
    history: list[_Epoch] = []
    train_start = time.perf_counter()
    for epoch in range(p.epochs):
        epoch_start = time.perf_counter()
        loss, pairs = torch.zeros(()), 0
        batches = epoch_batches(data, p, rng)
        for centres, targets, done in (_prefetched(batches) if threads > 1 else batches):
            fraction = (epoch + done) / p.epochs
            lr.fill_(max(p.alpha - (p.alpha - p.min_alpha) * fraction, p.min_alpha))
            step = compiled if compiled is not None and len(centres) == p.batch_size else sgns_step
            loss += step(input_vectors, output_vectors, torch.from_numpy(centres),
                         torch.from_numpy(targets), lr)
            pairs += len(centres)
        now = time.perf_counter()
        seconds = now - epoch_start
        item = Progress("training", epoch=epoch + 1, epochs=p.epochs, elapsed=now - start,
                        words_per_second=data.token_count / seconds if seconds > 0 else None,
                        loss=float(loss) / pairs if pairs else None,
                        eta=(now - train_start) / (epoch + 1) * (p.epochs - epoch - 1))
        history.append(_Epoch(item, seconds))
        report(item)
    return history
