"""Keyword labels for text clusters: class-based TF-IDF (as BERTopic's c-TF-IDF)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer


def keywords(
    texts: pd.Series | list[str], labels: np.ndarray, top: int = 6, ngrams: tuple[int, int] = (1, 2), min_df: int = 2
) -> dict[int, list[tuple[str, float]]]:
    """Top terms per cluster: tf of term t in cluster c x log(1 + A / f_t), A = mean words per cluster.

    The documents of each cluster are treated as one document; noise (-1) is left out.
    """
    texts = pd.Series(list(texts)).fillna("").astype(str)
    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts for {len(labels)} labels.")
    clusters = np.unique(labels[labels >= 0])
    if len(clusters) == 0:
        return {}
    documents = [" ".join(texts[labels == c]) for c in clusters]
    # min_df counts cluster-documents: a term in one cluster only is the most distinctive of all, so terms are
    # kept by how often they occur in all (`min_df` times at least), not by how many clusters use them
    vectorizer = CountVectorizer(
        stop_words="english", ngram_range=ngrams, token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]{2,}\b"
    )
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:  # no words at all
        return {int(c): [] for c in clusters}
    frequent = counts.sum(axis=0) >= min_df
    counts = counts[:, frequent]
    terms = vectorizer.get_feature_names_out()[frequent]
    words_per_cluster = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(words_per_cluster, 1)
    average = words_per_cluster.mean()
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    out = {}
    for row, cluster in enumerate(clusters):
        order = np.argsort(-scores[row])[:top]
        out[int(cluster)] = [(str(terms[i]), float(scores[row, i])) for i in order if scores[row, i] > 0]
    return out


def keyword_labels(texts, labels: np.ndarray, top: int = 4) -> dict[int, str]:
    """'term, term, term' per cluster, for legends; a term sharing a word with one listed already is skipped
    ("shoe, modern shoe" says "shoe" twice)."""
    out = {}
    for cluster, terms in keywords(texts, labels, top=3 * top).items():
        chosen: list[str] = []
        for term, _ in terms:
            if not set(term.split()) & {word for kept in chosen for word in kept.split()}:
                chosen.append(term)
            if len(chosen) == top:
                break
        out[cluster] = ", ".join(chosen)
    return out
