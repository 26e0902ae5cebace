import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from nlp.classify.nbsvm import NBLinearSVC

# Feature 0 marks class a, feature 1 class b, feature 2 class c, feature 3 is noise.
X = sp.csr_matrix(np.array([
    [1, 0, 0, 1], [1, 0, 0, 0], [2, 0, 0, 1],
    [0, 1, 0, 1], [0, 2, 0, 0], [0, 1, 0, 0],
    [0, 0, 1, 1], [0, 0, 1, 0], [0, 0, 2, 1],
], dtype=np.float32))
y = np.array(list("aaabbbccc"))


def test_learns_separable_classes():
    model = NBLinearSVC(C=1.0).fit(X, y)
    assert list(model.predict(X)) == list(y)
    assert model.coef_.shape == (3, 4) and model.coef_.dtype == np.float32


def test_decision_function_is_one_linear_map():
    model = NBLinearSVC().fit(X, y)
    expected = X.toarray() @ model.coef_.T + model.intercept_
    assert np.allclose(model.decision_function(X), expected, atol=1e-5)


def test_the_class_marker_gets_the_largest_weight():
    model = NBLinearSVC(C=1.0).fit(X, y)
    assert [int(np.argmax(row)) for row in model.coef_] == [0, 1, 2]


def test_is_a_well_behaved_estimator():
    model = NBLinearSVC(C=0.3, alpha=2.0)
    assert clone(model).get_params() == {"C": 0.3, "alpha": 2.0, "class_weight": "balanced", "max_iter": 2000,
                                         "random_state": 0}
    with pytest.raises(Exception, match="not fitted"):
        model.decision_function(X)


def test_balanced_class_weights_help_a_rare_class():
    rng = np.random.default_rng(0)
    common = rng.random((60, 4)) * [1, 0.2, 0, 1]
    rare = rng.random((4, 4)) * [0.2, 1, 0, 1]
    X = sp.csr_matrix(np.vstack([common, rare]).astype(np.float32))
    y = np.array(["common"] * 60 + ["rare"] * 4)
    weighted = NBLinearSVC(C=0.05).fit(X, y)
    plain = NBLinearSVC(C=0.05, class_weight=None).fit(X, y)
    assert (weighted.predict(X[60:]) == "rare").sum() >= (plain.predict(X[60:]) == "rare").sum()
    with pytest.raises(ValueError, match="class_weight"):
        NBLinearSVC(class_weight="auto").fit(X, y)


def test_two_classes_follow_scikit_learns_binary_convention():
    two = y != "c"
    model = NBLinearSVC(C=1.0).fit(X[two], y[two])
    scores = model.decision_function(X[two])
    assert model.coef_.shape == (1, 4) and scores.shape == (6,)
    assert list(model.predict(X[two])) == list(y[two]) and (scores[y[two] == "b"] > 0).all()


def test_a_two_label_model_trains_calibrated_end_to_end():
    from nlp.classify.training import TrainOptions, train

    docs = [f"前锋 在 第{i} 场 比赛 中 进球" for i in range(8)] + [f"银行 下调 第{i} 批 贷款 利率" for i in range(8)]
    model = train(docs, ["体育"] * 8 + ["财经"] * 8, TrainOptions(holdout=0.25))
    [sports, finance] = model.predict(["前锋 进球", "银行 利率"])
    assert (sports.label, finance.label) == ("体育", "财经")
