"""Models as network2 JSON: round trips, files written by network2, and every malformed file refused."""

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

import backprop
from backprop import CrossEntropyCost, Network, QuadraticCost

NETWORK2_FILE = Path(__file__).parents[1] / "data" / "network2_model.json"  # a file network2.py wrote


def network2_feedforward(data, x_column):
    """network2's own load + feedforward: column vectors, np.dot(w, a) + b. The oracle."""
    a = x_column
    for w, b in zip(data["weights"], data["biases"]):
        a = 1.0 / (1.0 + np.exp(-(np.dot(np.array(w), a) + np.array(b))))
    return a


@pytest.mark.parametrize("cost", [CrossEntropyCost, QuadraticCost])
def test_json_round_trip_is_exact(tmp_path, cost):
    net = Network([6, 5, 4, 3], cost=cost, seed=9)
    path = tmp_path / "model.json"
    net.save(path)
    again = backprop.load(path)
    assert again.sizes == net.sizes and again.cost is cost
    for a, b in zip(again.weights + again.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((4, 6))
    np.testing.assert_array_equal(again.feedforward(x), net.feedforward(x))


def test_saved_file_has_network2_layout(tmp_path):
    net = Network([3, 2], seed=1)
    net.save(tmp_path / "m.json")
    data = json.loads((tmp_path / "m.json").read_text())
    assert set(data) == {"sizes", "weights", "biases", "cost"}
    assert data["cost"] == "CrossEntropyCost"
    assert np.array(data["weights"][0]).shape == (2, 3)
    assert np.array(data["biases"][0]).shape == (2, 1)  # network2's column vectors
    x = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(network2_feedforward(data, x[:, None])[:, 0], net.feedforward(x)[0], rtol=1e-12)


def test_a_file_written_by_network2_loads_and_predicts_the_same():
    data = json.loads(NETWORK2_FILE.read_text())
    net = backprop.load(NETWORK2_FILE)
    assert net.sizes == [4, 3, 2] and net.cost is CrossEntropyCost
    x = np.random.default_rng(1).random((5, 4))
    want = np.hstack([network2_feedforward(data, xi[:, None]) for xi in x]).T
    np.testing.assert_allclose(net.feedforward(x), want, rtol=1e-12)


@pytest.mark.parametrize("fault", ["replace", "write"])
def test_save_replaces_atomically_and_keeps_the_old_model_on_failure(tmp_path, monkeypatch, fault):
    path = tmp_path / "m.json"
    Network([3, 2], seed=1).save(path)
    before = path.read_text()
    real_replace = os.replace
    if fault == "replace":  # the new file is complete; renaming it over the old one fails

        def broken(src, dst):
            assert Path(src).read_text() != before  # the new model was written, elsewhere
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(backprop.fileio.os, "replace", broken)
    else:  # the disk fills up halfway through the write
        real_fdopen = os.fdopen

        class HalfFull:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(backprop.fileio.os, "fdopen", lambda fd, mode: HalfFull(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="m.json"):  # named by the model's path, not the temporary one
        Network([3, 2], seed=2).save(path)
    monkeypatch.setattr(backprop.fileio.os, "replace", real_replace)
    assert path.read_text() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert backprop.load(path).sizes == [3, 2]


def test_save_writes_only_regular_files(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    (tmp_path / "folder.json").mkdir()
    for target, kind in ((pipe, "named pipe"), (tmp_path / "folder.json", "folder")):
        with pytest.raises(ValueError, match=kind):
            Network([3, 2], seed=1).save(target)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and (tmp_path / "folder.json").is_dir()
    if os.path.exists("/dev/null") and os.access("/dev/null", os.W_OK):
        with pytest.raises(ValueError, match="character device"):
            Network([3, 2], seed=1).save("/dev/null")
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    link = tmp_path / "link.json"
    Network([3, 2], seed=1).save(tmp_path / "real.json")
    link.symlink_to(tmp_path / "real.json")
    Network([3, 2], seed=2).save(link)  # a link to a model: the model is replaced
    assert link.is_symlink() and backprop.load(link).weights[0].tolist() == Network([3, 2], seed=2).weights[0].tolist()


def test_save_refuses_non_finite_weights(tmp_path):
    net = Network([3, 2], seed=1)
    net.weights[0][1, 2] = np.nan
    with pytest.raises(ValueError, match="not all finite"):
        net.save(tmp_path / "m.json")
    net.weights[0][1, 2] = np.inf
    with pytest.raises(ValueError, match="not all finite"):
        net.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_devices_and_pipes_without_reading_them(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    with pytest.raises(ValueError, match="not a regular file"):
        backprop.load(pipe)
    if os.path.exists("/dev/zero"):  # endless: a size cap that trusted the size would read forever
        with pytest.raises(ValueError, match="not a regular file"):
            backprop.load("/dev/zero")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_nesting_depth_is_the_same_summed_in_chunks(monkeypatch, chunk):
    """The depth is summed a chunk at a time (small temporaries): the running depth must carry over."""
    rng = np.random.default_rng(5)
    text = "".join(rng.choice(["[", "]", "{", "}", "1", ",", '"[[x"', '"]}\\""'], 400))  # strings anywhere
    text += "[" * 9 + '"]]]"' + "]" * 9
    skeleton = np.frombuffer(backprop.nn.model_io._STRING.sub('""', text).encode(), np.uint8)
    step = np.isin(skeleton, (0x5B, 0x7B)).astype(int) - np.isin(skeleton, (0x5D, 0x7D))
    expected = int(np.cumsum(step).max(initial=0))  # the whole text at once
    monkeypatch.setattr(backprop.nn.model_io, "_DEPTH_CHUNK", chunk)
    assert backprop.nn.model_io.nesting_depth(text) == expected >= 9


def test_nesting_and_types_are_checked_before_they_can_crash_the_parser(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"sizes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ValueError, match=r"deep.json: model JSON nests 100,001 levels deep"):
        backprop.load(deep)
    assert backprop.nn.model_io.nesting_depth('{"a": "[[[[[[[", "b": [[1]], "c": "\\"[["}') == 3
    d = valid()
    d["cost"] = ["CrossEntropyCost"]  # unhashable: once a TypeError from the dict lookup
    with pytest.raises(ValueError, match="unknown cost"):
        backprop.from_dict(d)
    d = valid()
    d["sizes"] = [3] + [1] * 1_000_000
    with pytest.raises(ValueError) as e:
        backprop.from_dict(d)
    assert len(str(e.value)) < 300 and "1,000,001 items" in str(e.value)


def valid():
    return Network([3, 2, 2], seed=0).to_dict()


def with_(key, value):
    d = valid()
    d[key] = value
    return d


@pytest.mark.parametrize(
    "data, message",
    [
        ([1, 2], "must be a JSON object"),
        ({"sizes": [3, 2]}, "missing weights, biases"),
        (with_("sizes", [3]), "at least two positive integers"),
        (with_("sizes", [3, -2, 2]), "at least two positive integers"),
        (with_("sizes", [3, 2, 3]), r"weights\[1\] has shape \(2, 2\), expected \(3, 2\)"),
        (with_("sizes", [100000, 100000, 10]), "over the cap"),
        (with_("cost", "HingeCost"), "unknown cost 'HingeCost'"),
        (with_("weights", []), "weights must be a list of 2 layers"),
        (
            with_("weights", [[[1, 2, "x"], [1, 2, 3]], [[1, 2], [3, 4]]]),
            r"weights\[0\] must be nested lists of numbers",
        ),
        (with_("biases", [[[1], [2]], [[1], [2], [3]]]), r"biases\[1\] has shape \(3, 1\), expected \(2, 1\)"),
        (with_("weights", [[[1, 2, 1e400], [1, 2, 3]], [[1, 2], [3, 4]]]), "NaN or infinity"),
    ],
)
def test_malformed_models_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ValueError, match=message):
        backprop.from_dict(data)


def test_flat_biases_are_accepted():
    d = valid()
    d["biases"] = [[b[0] for b in layer] for layer in d["biases"]]
    np.testing.assert_array_equal(backprop.from_dict(d).biases[0], np.array(valid()["biases"][0]))


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ('{"sizes": [1, 1], "weights": [[[NaN]]], "biases": [[[0]]]}', "NaN"),
        ("", "not valid JSON"),
    ],
)
def test_bad_json_text(text, message):
    with pytest.raises(ValueError, match=message):
        backprop.loads(text)


def test_bad_files_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        backprop.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(ValueError, match="bad.json.*not UTF-8"):
        backprop.load(bad)
    bad.write_text('{"sizes": [2, 2]}')
    with pytest.raises(ValueError, match="bad.json: model is missing"):
        backprop.load(bad)
