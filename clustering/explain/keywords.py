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
    vectorizer = CountVectorizer(
        stop_words="english",
        ngram_range=ngrams,
        min_df=min(min_df, len(clusters)),
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]{2,}\b",
    )
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:  # no words at all
        return {int(c): [] for c in clusters}
    terms = vectorizer.get_feature_names_out()
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
    """'term, term, term' per cluster, for legends."""
    return {c: ", ".join(term for term, _ in terms[:top]) for c, terms in keywords(texts, labels, top=top).items()}
