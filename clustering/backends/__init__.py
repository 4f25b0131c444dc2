"""Registry of clustering backends, by name."""

from __future__ import annotations

from clustering.backends.agglomerative import Agglomerative
from clustering.backends.auto import Auto
from clustering.backends.base import Backend, Param, ParamError
from clustering.backends.consensus import ConsensusEnsemble
from clustering.backends.deep import DEC, IDEC, N2D
from clustering.backends.evoc import EVoC
from clustering.backends.gmm import GMM
from clustering.backends.hdbscan import HDBSCAN
from clustering.backends.kmeans import KMeans
from clustering.backends.kmedoids import KMedoids
from clustering.backends.leiden import Leiden
from clustering.backends.spectral import Spectral

BACKENDS: dict[str, type[Backend]] = {
    cls.name: cls
    for cls in (
        Leiden,
        HDBSCAN,
        EVoC,
        ConsensusEnsemble,
        Auto,
        KMeans,
        GMM,
        Agglomerative,
        Spectral,
        KMedoids,
        DEC,
        IDEC,
        N2D,
    )
}


def get_backend(name: str) -> type[Backend]:
    """The backend class registered under `name`; an unknown name is refused with the choices."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ParamError(f"unknown method '{name}'; choose one of {', '.join(BACKENDS)}.") from None


__all__ = ["BACKENDS", "Backend", "Param", "ParamError", "get_backend"]
