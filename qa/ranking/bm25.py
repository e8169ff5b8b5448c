"""BM25, defined once: the IDF and the per-(term, passage) weight, exactly as rank-bm25's `BM25Okapi`.

For a question with terms q1..qn (repeats count again, as in rank-bm25) and a passage d:

    score(d) = sum_i idf(qi) * tf(qi, d) * (k1 + 1) / (tf(qi, d) + k1 * (1 - b + b * |d| / avgdl))

    idf(t) = ln((N - df(t) + 0.5) / (df(t) + 0.5)), and where that is negative (t in more than half of the
             passages): the floor, epsilon * mean(idf over the whole vocabulary, negatives included)

with two departures where rank-bm25 gives a word that occurs no weight at all, so that a passage holding it scores
0 or below and is never returned (`qa.answer.search`):
- a term in exactly half of the passages (its ln is 0, which rank-bm25 leaves as it is) gets the floor too, as a
  term in more than half does: in a folder of four notes, two about harbour cranes, "harbour cranes" found nothing;
- where the floor itself is not positive (the mean is 0 or below: a folder of one or two passages, or a handful
  that share most of their words), such terms get epsilon * ln(1 + (N - df + 0.5) / (df + 0.5)), Lucene's IDF
  scaled as the floor is: small, positive, and larger for a rarer term. A folder of one short article answered
  nothing at all, whatever was asked.
Neither changes a score of a collection where rank-bm25 gives every word a positive weight (any folder of more than
a few passages, every data set measured); the tests compare with rank-bm25 on the same tokens.

The mean is taken over an exactly rounded sum (`math.fsum`), so it does not depend on the order of the terms: a
sharded index (`qa.distributed`), whose vocabulary is numbered otherwise, gets the very same floor.

Everything that scores (the sparse engine, explanations) calls these functions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75
    epsilon: float = 0.25

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def okapi_idf(doc_freq: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank-bm25's BM25Okapi IDF for every term, from its document frequency, positive for every term that occurs
    (the module docstring says where and why it departs from rank-bm25's)."""
    df = doc_freq.astype(np.float64)
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    present = df > 0  # the mean runs over the corpus vocabulary, as rank-bm25's does
    if not present.any():
        return idf
    floor = epsilon * (math.fsum(idf[present].tolist()) / int(present.sum()))
    if floor > 0:
        return np.where(idf <= 0, floor, idf)
    lucene = epsilon * np.log1p((n_docs - df + 0.5) / (df + 0.5))
    return np.where(idf <= 0, lucene, idf)


def length_norms(doc_len: np.ndarray, params: BM25Params, avgdl: float | None = None) -> np.ndarray:
    """k1 * (1 - b + b * |d| / avgdl) for every passage: the part of the denominator that depends on d.

    `avgdl` defaults to the mean of `doc_len` (pass the corpus mean when `doc_len` is a subset).
    """
    lengths = doc_len.astype(np.float64)
    if avgdl is None:
        avgdl = float(lengths.mean()) if lengths.size else 0.0
    if avgdl == 0:
        return np.full(lengths.shape, params.k1 * (1 - params.b))
    return params.k1 * (1 - params.b + params.b * lengths / avgdl)


Weight = TypeVar("Weight", float, npt.NDArray[np.float64])


def term_weight(tf: Weight, idf: Weight, norm: Weight, k1: float) -> Weight:
    """The contribution of one occurrence of a question term to a passage's score.

    `qa.ranking.kernels.posting_weights` compiles this very function and applies it to every posting; the
    proximity stage applies it to whole arrays (numbers or arrays alike: `Weight`).
    """
    return idf * (tf * (k1 + 1) / (tf + norm))
