"""Extractive summary on the Korean side: which body sentences open the brief.

Every sentence is turned into content morphemes with kiwipiepy (nouns, verb and
adjective stems, roots, foreign words, hanja), then scored by a few signals that are
each standard in extractive news summarization:

* ``centrality`` - TextRank: PageRank over a sentence graph whose edges are BM25
  similarities (symmetrized), the variant that worked best in Barrios et al. 2016;
* ``centroid``   - cosine between the sentence's TF-IDF vector and the article's centroid;
* ``position``   - lead bias of news writing, ``1 / sqrt(1 + index)``;
* ``title``      - share of the title's (and pull quotes') terms that the sentence holds;
* ``length``     - ``sqrt(content terms)``: one-clause sentences rarely carry the news;
* ``quote``      - the sentence reports direct speech.

Each signal is standardized within the article (z-score) and the weighted sum ranks
the sentences; the selection is greedy with an MMR penalty against near-duplicates.
The weights in :data:`WEIGHTS` are six general coefficients fitted once on an
evaluation set and checked on held-out articles (``tests/bench/bench_summarize.py --cv``);
nothing is tuned per article.

kiwipiepy and numpy are imported lazily (numpy costs ~0.1 s, which a rebuild that summarises
nothing does not pay); one ``Kiwi`` instance is cached per process.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .document import BODY, PULLQUOTE, TITLE, Article, InputError
from .segment import kiwi

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

log = logging.getLogger(__name__)

# Morpheme tags kept as terms: general/proper nouns, verb and adjective stems, roots
# (중요 in 중요하다), foreign words (AI, DNA) and hanja.
CONTENT_TAGS = frozenset({"NNG", "NNP", "VV", "VA", "XR", "SL", "SH"})

# Signal weights (signals are z-scored within an article before weighting). They are the
# coefficients of an L2-regularized logistic regression of "sentence is in the gold
# summary" on the six signals over the 25-article dev set, rounded to one decimal;
# held-out figures for that procedure are printed by
# ``tests/bench/bench_summarize.py --cv``.
WEIGHTS: dict[str, float] = {
    "centrality": 0.2,
    "centroid": 0.8,
    "position": 0.6,
    "title": 0.1,
    "length": 0.8,
    "quote": 0.1,
}
# MMR: penalty, in units of the combined score, per unit of TF-IDF cosine to an already
# chosen sentence (keeps a restated lead out of the summary). It changes one pick on the
# dev set (0.682 without, 0.672 with); it is there for the repeats real copy contains.
MMR_LAMBDA = 1.0
DAMPING = 0.85
BM25_K1 = 1.2
BM25_B = 0.75

DEFAULT_RATIO = 0.2
DEFAULT_MIN = 3
DEFAULT_MAX = 5

NOTE_EMPTY = "no body sentences; summary omitted"
NOTE_UNSEGMENTED = "the body has not been split into sentences; summary omitted"
NOTE_ONE = "the body has one sentence; it is the summary"

_QUOTE_CHARS = ("\u201c", "\u201d", '"', "\u300c", "\u300e")


# ---------------------------------------------------------------- morphemes


def _kiwi():
    """The process-wide Kiwi analyser, shared with the segment stage."""
    return kiwi()


def terms_of(texts: Sequence[str]) -> list[list[str]]:
    """Content morphemes of each text, in order (foreign words lower-cased)."""
    if not texts:
        return []
    kiwi = _kiwi()
    out: list[list[str]] = []
    for tokens in kiwi.tokenize(list(texts)):
        out.append([t.form.lower() if t.tag == "SL" else t.form for t in tokens if t.tag in CONTENT_TAGS])
    return out


# ---------------------------------------------------------------- signals


def _term_matrix(term_lists: Sequence[Sequence[str]]):
    """Raw term counts (sentences x vocabulary) and the vocabulary index."""
    import numpy as np

    vocab: dict[str, int] = {}
    for terms in term_lists:
        for w in terms:
            vocab.setdefault(w, len(vocab))
    tf = np.zeros((len(term_lists), max(len(vocab), 1)))
    for i, terms in enumerate(term_lists):
        for w, c in Counter(terms).items():
            tf[i, vocab[w]] = c
    return tf, vocab


def _pagerank(weights: np.ndarray, damping: float = DAMPING, iters: int = 100, tol: float = 1e-9) -> np.ndarray:
    """PageRank of a weighted graph; rows without edges jump uniformly."""
    import numpy as np

    n = weights.shape[0]
    sums = weights.sum(axis=1, keepdims=True)
    trans = np.where(sums > 0, weights / np.where(sums > 0, sums, 1.0), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(iters):
        nxt = (1.0 - damping) / n + damping * (trans.T @ rank)
        if np.abs(nxt - rank).sum() < tol:
            return nxt
        rank = nxt
    return rank


def _bm25_similarity(tf: np.ndarray, k1: float = BM25_K1, b: float = BM25_B) -> np.ndarray:
    """BM25 score of sentence j for the terms of sentence i, symmetrized."""
    import numpy as np

    n = tf.shape[0]
    df = (tf > 0).sum(axis=0)
    idf = np.log((n - df + 0.5) / (df + 0.5) + 1.0)
    lengths = tf.sum(axis=1)
    avg = max(float(lengths.mean()), 1e-9)
    sat = tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * lengths / avg)[:, None])
    sim = ((tf > 0) * idf) @ sat.T
    sim = sim + sim.T
    np.fill_diagonal(sim, 0.0)
    return sim


def signals(
    term_lists: Sequence[Sequence[str]],
    query_terms: Iterable[str] = (),
    sentences: Sequence[str] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The raw per-sentence signals and the sentences' TF-IDF cosine matrix."""
    import numpy as np

    n = len(term_lists)
    tf, vocab = _term_matrix(term_lists)
    df = (tf > 0).sum(axis=0)
    idf = np.log((n + 1.0) / (df + 1.0)) + 1.0
    vec = np.where(tf > 0, 1.0 + np.log(np.maximum(tf, 1.0)), 0.0) * idf
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    unit = vec / np.where(norms > 0, norms, 1.0)
    centre = vec.sum(axis=0)
    centre_norm = np.linalg.norm(centre)

    query = set(query_terms)
    sig = {
        "centrality": _pagerank(_bm25_similarity(tf)),
        "centroid": unit @ (centre / centre_norm) if centre_norm > 0 else np.zeros(n),
        "position": 1.0 / np.sqrt(np.arange(n) + 1.0),
        "title": np.array([len(query.intersection(t)) / len(query) if query else 0.0 for t in term_lists]),
        "length": np.sqrt(np.array([len(t) for t in term_lists], dtype=float)),
        "quote": np.array(
            [1.0 if sentences and any(q in sentences[i] for q in _QUOTE_CHARS) else 0.0 for i in range(n)]
        ),
    }
    return sig, unit @ unit.T


def _zscore(v: np.ndarray) -> np.ndarray:
    sd = float(v.std())
    return (v - v.mean()) / sd if sd > 1e-12 else v * 0.0


def combine(sig: dict[str, np.ndarray], weights: dict[str, float] | None = None) -> np.ndarray:
    """Weighted sum of the z-scored signals."""
    weights = WEIGHTS if weights is None else weights
    total = None
    for name, w in weights.items():
        if w:
            part = w * _zscore(sig[name])
            total = part if total is None else total + part
    if total is None:
        return next(iter(sig.values())) * 0.0
    return total


def select(scores: np.ndarray, cosine: np.ndarray, count: int, mmr: float = MMR_LAMBDA) -> list[int]:
    """Greedy pick of ``count`` sentences; ties go to the earlier sentence.

    Gains are compared at 1e-9: BLAS kernels differ between CPUs in the last bits, and
    that noise must not decide between sentences that score the same.
    """
    import numpy as np

    n = len(scores)
    count = min(count, n)
    scores = np.round(scores, 9)
    if mmr <= 0:
        return sorted(int(i) for i in np.argsort(-scores, kind="stable")[:count])
    chosen: list[int] = []
    penalty = np.zeros(n)
    free = np.ones(n, dtype=bool)
    for _ in range(count):
        gain = np.where(free, np.round(scores - mmr * penalty, 9), -np.inf)
        best = int(np.argmax(gain))  # first maximum: deterministic
        chosen.append(best)
        free[best] = False
        penalty = np.maximum(penalty, cosine[best])
    return sorted(chosen)


# ---------------------------------------------------------------- public API


def rank_sentences(
    sentences: Sequence[str],
    count: int,
    title: str | None = None,
    *,
    hints: Sequence[str] = (),
) -> list[int]:
    """Indices of the ``count`` best summary sentences, sorted (document order).

    ``title`` and ``hints`` (e.g. pull quotes) only inform the ranking; they are never
    returned. Fewer indices come back when there are fewer sentences.
    """
    if count < 1:
        raise InputError(f"a summary needs at least 1 sentence, got {count}")
    sentences = list(sentences)
    n = len(sentences)
    if n <= count:
        return list(range(n))
    query_texts = [t for t in [title, *hints] if t and t.strip()]
    all_terms = terms_of(sentences + query_texts)
    term_lists, query_lists = all_terms[:n], all_terms[n:]
    query_terms = [w for q in query_lists for w in q]
    sig, cosine = signals(term_lists, query_terms, sentences)
    return select(combine(sig), cosine, count)


def summary_length(n: int, count: int | None = None, ratio: float | None = None) -> int:
    """How many sentences a summary of an ``n``-sentence body gets."""
    if count is not None and ratio is not None:
        raise InputError("give a summary length either as a count or as a ratio, not both")
    if count is not None:
        if count < 1:
            raise InputError(f"a summary needs at least 1 sentence, got {count}")
        return min(count, n)
    if ratio is not None:
        if not 0 < ratio <= 1:
            raise InputError(f"summary ratio must be above 0 and at most 1, got {ratio}")
        return min(n, max(1, _round_half_up(ratio * n)))
    return min(n, max(DEFAULT_MIN, min(DEFAULT_MAX, _round_half_up(DEFAULT_RATIO * n))))


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _title_text(article: Article) -> str | None:
    if article.title:
        return article.title
    for block in article.blocks:
        if block.kind == TITLE:
            return " ".join(s.text for s in block.segments) or block.text or None
    return None


def summarize_article(
    article: Article, count: int | None = None, ratio: float | None = None
) -> tuple[tuple[str, ...], str | None]:
    """Segment ids of the summary (body sentences only, document order) and a note.

    The note says why the summary is empty or shorter than asked; it is ``None`` for
    an ordinary summary.
    """
    body = [seg for block in article.blocks if block.kind == BODY for seg in block.segments]
    if not body:
        if any(b.kind == BODY and b.text.strip() for b in article.blocks):
            return (), NOTE_UNSEGMENTED
        return (), NOTE_EMPTY
    k = summary_length(len(body), count, ratio)
    if len(body) == 1:
        return (body[0].id,), NOTE_ONE
    hints = [seg.text for b in article.blocks if b.kind == PULLQUOTE for seg in b.segments] or [
        b.text for b in article.blocks if b.kind == PULLQUOTE
    ]
    chosen = rank_sentences([s.text for s in body], k, _title_text(article), hints=hints)
    note = None
    if count is not None and count > len(body):
        note = f"the body has only {len(body)} sentences; all are in the summary"
    log.debug("summary of %s: %s", article.slug, chosen)
    return tuple(body[i].id for i in chosen), note


__all__ = [
    "CONTENT_TAGS",
    "WEIGHTS",
    "rank_sentences",
    "summarize_article",
    "summary_length",
    "signals",
    "combine",
    "select",
    "terms_of",
]
