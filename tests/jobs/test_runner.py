import gc

import pytest

from nlp.jobs.runner import GC_THRESHOLD, chunked, fewer_collections, in_input_order


def test_fewer_collections_restores_the_callers_thresholds():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(GC_THRESHOLD, before[0])
    assert gc.get_threshold() == before


def test_fewer_collections_restores_them_after_an_error_too():
    before = gc.get_threshold()
    with pytest.raises(ValueError), fewer_collections():
        raise ValueError
    assert gc.get_threshold() == before


@pytest.mark.parametrize("n, size, expected", [(5, 2, [[0, 1], [2, 3], [4]]), (0, 3, []), (3, 3, [[0, 1, 2]])])
def test_chunked(n, size, expected):
    assert list(chunked(range(n), size)) == expected


def test_in_input_order_submits_lazily_and_keeps_order():
    submitted = []

    def handles():
        for i in range(6):
            submitted.append(i)
            yield i

    out = []
    for value in in_input_order(handles(), ahead=2, result=lambda h: h * 10):
        out.append(value)
        assert len(submitted) - len(out) <= 2  # never more than ``ahead`` beyond the result yielded
    assert out == [0, 10, 20, 30, 40, 50]
