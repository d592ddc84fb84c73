"""backprop.metrics against plain-loop oracles: counts, fractions, the confusion matrix and its cells."""

import numpy as np
import pytest

from backprop.explain import metrics


def random_outputs(m, n=10, seed=0):
    rng = np.random.default_rng(seed)
    outputs = rng.random((m, n))  # (m, n)
    labels = rng.integers(0, n, size=m)  # (m,)
    # make about half right, so both the diagonal and the rest are well filled
    right = rng.random(m) < 0.5
    outputs[right, labels[right]] += 1.0
    return outputs, labels


def loop_confusion(predicted, labels, n):
    counts = [[0] * n for _ in range(n)]
    for p, t in zip(predicted.tolist(), labels.tolist()):
        counts[t][p] += 1
    return counts


def loop_cell(outputs, labels, t, p):
    rows = []
    for i in range(len(labels)):
        row = list(outputs[i])
        if labels[i] == t and row.index(max(row)) == p:
            rows.append((-row[p], i))
    return [i for _, i in sorted(rows)]


def test_small_example_by_hand():
    counts = metrics.confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2]), n_classes=3)
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])  # row: true, column: predicted
    assert counts.dtype == np.int64 and counts.shape == (3, 3)


@pytest.mark.parametrize("m, seed", [(1, 0), (37, 1), (1000, 2)])
def test_confusion_matrix_matches_a_loop_and_sums_up(m, seed):
    outputs, labels = random_outputs(m, seed=seed)
    predicted = np.argmax(outputs, axis=1)
    counts = metrics.confusion_matrix(predicted, labels)
    np.testing.assert_array_equal(counts, loop_confusion(predicted, labels, 10))
    assert counts.shape == (10, 10) and counts.dtype == np.int64
    assert counts.sum() == m
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(labels, minlength=10))
    correct = sum(int(p == t) for p, t in zip(predicted, labels))
    assert metrics.correct_count(predicted, labels) == correct
    assert isinstance(metrics.correct_count(predicted, labels), int)
    assert metrics.accuracy(predicted, labels) == pytest.approx(correct / m)
    assert np.trace(counts) / m == pytest.approx(metrics.accuracy(predicted, labels))


def test_one_hot_labels_and_output_rows_are_read_by_argmax():
    outputs, labels = random_outputs(200, seed=3)
    one_hot = np.eye(10)[labels]
    predicted = np.argmax(outputs, axis=1)
    expected = metrics.confusion_matrix(predicted, labels)
    np.testing.assert_array_equal(metrics.confusion_matrix(outputs, one_hot), expected)
    assert metrics.correct_count(outputs, one_hot) == np.trace(expected)
    # whole floats are accepted as labels
    np.testing.assert_array_equal(metrics.confusion_matrix(predicted, labels.astype(float)), expected)


def test_cell_members_match_a_loop_and_partition_all_examples():
    outputs, labels = random_outputs(500, seed=4)
    outputs = np.round(outputs, 1)  # many ties within a cell, so the index order of ties is exercised
    counts = metrics.confusion_matrix(outputs, labels)
    seen = []
    for t in range(10):
        for p in range(10):
            members = metrics.cell_members(outputs, labels, t, p)
            assert members.dtype == np.int64
            assert members.tolist() == loop_cell(outputs, labels, t, p), (t, p)
            assert len(members) == counts[t, p]
            seen.extend(members.tolist())
    assert sorted(seen) == list(range(500))  # every example in exactly one of the 100 cells


def test_cell_members_most_confident_first_ties_by_index():
    outputs = np.array([[0.1, 0.6], [0.2, 0.9], [0.0, 0.6], [0.9, 0.1], [0.3, 0.7]])
    labels = np.array([0, 0, 0, 0, 1])
    assert metrics.cell_members(outputs, labels, 0, 1).tolist() == [1, 0, 2]
    assert metrics.cell_members(outputs, labels, 0, 0).tolist() == [3]
    assert metrics.cell_members(outputs, labels, 1, 0).tolist() == []
    assert metrics.cell_members(outputs, np.eye(2)[labels], 1, 1).tolist() == [4]


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: metrics.confusion_matrix([0, 1], [0]), ValueError, "2 predictions and 1 labels"),
        (lambda: metrics.confusion_matrix([0, 10], [0, 1]), ValueError, "class 10, expected 0..9"),
        (lambda: metrics.confusion_matrix([0, -1], [0, 1]), ValueError, "class -1"),
        (lambda: metrics.confusion_matrix([0, 1], [0.5, 1]), ValueError, "whole numbers"),
        (lambda: metrics.confusion_matrix([0, 1], ["a", "b"]), TypeError, "<U1"),
        (lambda: metrics.confusion_matrix(np.zeros((2, 3)), [0, 1]), ValueError, "(m, 10)"),
        (lambda: metrics.confusion_matrix(np.zeros((2, 2, 2)), [0, 1]), ValueError, "(2, 2, 2)"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], n_classes=0), ValueError, "n_classes"),
        (lambda: metrics.accuracy([], []), ValueError, "empty"),
        (lambda: metrics.cell_members(np.zeros((2, 10)), [0, 1], 10, 0), ValueError, "true_label"),
        (lambda: metrics.cell_members(np.zeros((2, 10)), [0, 1], 0, -1), ValueError, "predicted"),
        (lambda: metrics.cell_members(np.zeros(10), [0], 0, 0), ValueError, "(m, n_classes)"),
        (lambda: metrics.cell_members(np.zeros((2, 10)), [0], 0, 0), ValueError, "2 rows of outputs and 1"),
        (lambda: metrics.cell_members(np.full((1, 10), np.nan), [0], 0, 0), ValueError, "NaN"),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_empty_sets_count_zero():
    assert metrics.confusion_matrix([], []).sum() == 0
    assert metrics.correct_count([], []) == 0
