"""Deep clustering backends: DEC, IDEC and N2D on one PyTorch core (torch_core), saved as model files (model_file)."""

from clustering.backends.deep.base import DeepBackend
from clustering.backends.deep.dec import DEC, IDEC
from clustering.backends.deep.n2d import N2D

__all__ = ["DEC", "IDEC", "N2D", "DeepBackend"]
