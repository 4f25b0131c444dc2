"""Gaussian mixture (EM); soft assignments in probabilities_."""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import CHOOSE_K, RANDOM_STATE, Backend, Param, ParamError, by_size, memory_refusal


class GMM(Backend):
    """Gaussian mixture: soft assignments, for clusters of elliptical shape."""

    name = "gmm"
    ladder = ("n_clusters", (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30))
    title = "Gaussian mixture"
    description = "Elliptical clusters with soft membership; best on low-dimensional embeddings."
    schema = (
        Param(
            "n_components",
            int,
            8,
            "number of mixture components (clusters); " + CHOOSE_K,
            low=1,
            high=1000,
            at_most_rows=True,
            label="Components (clusters): choose it",
        ),
        Param(
            "covariance_type",
            str,
            "full",
            "shape of each component",
            choices=("full", "tied", "diag", "spherical"),
            label="Component shape",
        ),
        Param(
            "n_init", int, 1, "restarts; the best likelihood is kept", low=1, high=50, label="Restarts", advanced=True
        ),
        Param("max_iter", int, 200, "EM iterations", low=1, high=10000, label="EM iterations", advanced=True),
        Param(
            "reg_covar",
            float,
            1e-6,
            "added to covariance diagonals for stability",
            low=0.0,
            log=True,
            label="Covariance regularisation",
            advanced=True,
        ),
        RANDOM_STATE,
    )

    def __init__(self, n_components=8, covariance_type="full", n_init=1, max_iter=200, reg_covar=1e-6, random_state=0):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_iter = max_iter
        self.reg_covar = reg_covar
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        k = params.get("n_components", 8)
        if k > n:
            return f"GMM: n_components={k} is more than the {n} rows."
        full = params.get("covariance_type", "full") in ("full", "tied")
        need = 8 * (3 * n * k * d + (k * d * d if full else k * d))
        return memory_refusal("GMM", need, "Use covariance_type=diag or reduce dimensions with PCA first.")

    @override
    def fit(self, X, y=None):
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.mixture import GaussianMixture

        p = self._params()
        x = self._check_x(X)
        model = GaussianMixture(
            n_components=p["n_components"],
            covariance_type=p["covariance_type"],
            n_init=p["n_init"],
            max_iter=p["max_iter"],
            reg_covar=p["reg_covar"],
            random_state=p["random_state"],
        )
        try:
            raw = model.fit_predict(x.astype(np.float64))
        except ValueError as error:  # a singular covariance: sklearn's message names its own internals
            if "covariance" not in str(error):
                raise
            raise ParamError(
                f"reg_covar={p['reg_covar']:g}: a component's covariance became singular. Raise "
                "reg_covar (e.g. 1e-6 or more), use fewer components, or covariance_type=diag."
            ) from None
        self.labels_, order = by_size(raw, p["n_components"])
        self.probabilities_ = model.predict_proba(x.astype(np.float64))[:, order].astype(np.float32)
        self.model_ = model
        return self
