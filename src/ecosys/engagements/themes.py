"""Grouping similar initiatives into themes (pure: no Django).

Each text becomes a TF-IDF vector over its word stems; texts are grouped by average-linkage
agglomerative clustering on cosine distance, cut at a distance threshold. The result depends
only on the texts and their order, so the same initiatives always give the same themes. A theme
is named after the stems that weigh most in it, each written as the word its initiatives use
most for it ("process", not "proces").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

# Below this cosine distance two groups of initiatives join into one theme (0 = identical).
DEFAULT_THRESHOLD = 0.85
_STOP_TEXT = """a about above after again all also an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having how i if in into is it its itself just more most much must
    need needs no nor not now of off on once only or other our out over own same should so
    some such than that the their them then there these they this those through to too under
    until up very via was we were what when where which while who why will with within
    without would you your per across make makes made get gets us use using used want better
    improve improving improved reduce reducing reduced increase increasing lower higher
    new"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z][a-z0-9]+")


def stem(word: str) -> str:
    """A light English stemmer: enough to put 'forecasts' and 'forecasting' together."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ate", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return word


def tokens(text: str) -> list[str]:
    return [
        stem(word)
        for word in _WORD.findall((text or "").lower())
        if word not in STOPWORDS and len(word) > 2
    ]


@dataclass(frozen=True)
class Cluster:
    """Positions (into the input list) of the texts in one theme, and its top keywords."""

    members: tuple[int, ...]
    keywords: tuple[str, ...]

    @property
    def name(self) -> str:
        return " · ".join(self.keywords[:3]).capitalize() if self.keywords else "Miscellaneous"


def _surface(texts: list[str]) -> dict[str, str]:
    """For each stem, the word the texts use most for it (ties: the shorter, then A-Z)."""
    seen: dict[str, Counter] = {}
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if word not in STOPWORDS and len(word) > 2:
                seen.setdefault(stem(word), Counter())[word] += 1
    return {
        key: min(counts, key=lambda word: (-counts[word], len(word), word))
        for key, counts in seen.items()
    }


def tfidf(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    """Rows of L2-normalised TF-IDF weights, and the vocabulary (sorted) they refer to."""
    docs = [tokens(text) for text in texts]
    vocabulary = sorted({token for doc in docs for token in doc})
    index = {token: i for i, token in enumerate(vocabulary)}
    counts = np.zeros((len(docs), len(vocabulary)))
    for row, doc in enumerate(docs):
        for token in doc:
            counts[row, index[token]] += 1
    lengths = counts.sum(axis=1, keepdims=True)
    tf = np.divide(counts, lengths, out=np.zeros_like(counts), where=lengths > 0)
    df = (counts > 0).sum(axis=0)
    idf = np.log((1 + len(docs)) / (1 + df)) + 1
    weights = tf * idf
    norms = np.linalg.norm(weights, axis=1, keepdims=True)
    return np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0), vocabulary


def group(
    texts: list[str], *, threshold: float = DEFAULT_THRESHOLD, keywords: int = 5
) -> list[Cluster]:
    """Themes of the texts, largest first (ties: by first member), each with its keywords."""
    if not 0 < threshold <= 1:
        raise ValueError("The threshold is a cosine distance between 0 and 1.")
    if not texts:
        return []
    vectors, vocabulary = tfidf(texts)
    empty = np.flatnonzero(~vectors.any(axis=1))
    usable = np.flatnonzero(vectors.any(axis=1))
    labels = np.zeros(len(texts), dtype=int)
    if len(usable) == 1:
        labels[usable] = 1
    elif len(usable) > 1:
        tree = linkage(vectors[usable], method="average", metric="cosine")
        labels[usable] = fcluster(tree, t=threshold, criterion="distance")
    next_label = labels.max() + 1
    for position in empty:  # nothing to compare: each stands alone
        labels[position] = next_label
        next_label += 1
    clusters = []
    for label in np.unique(labels):
        members = tuple(int(i) for i in np.flatnonzero(labels == label))
        weight = vectors[list(members)].sum(axis=0)
        order = sorted(
            (i for i in range(len(vocabulary)) if weight[i] > 0),
            key=lambda i: (-round(float(weight[i]), 12), vocabulary[i]),
        )
        words = _surface([texts[i] for i in members])
        top = tuple(words.get(vocabulary[i], vocabulary[i]) for i in order[:keywords])
        clusters.append(Cluster(members, top))
    clusters.sort(key=lambda cluster: (-len(cluster.members), cluster.members[0]))
    return clusters
