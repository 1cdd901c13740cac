"""save / load: a fitted classifier as data, loaded without running anyone's code."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

import sklearn_har
from sklearn_har.classifiers import (
    CNNClassifier,
    MAGRes2NetClassifier,
    NeuralWindowClassifier,
    SFTNASClassifier,
    UMSNetClassifier,
    USADClassifier,
)
from sklearn_har.datasets import make_har_windows
from sklearn_har.exceptions import ModelFileError, ModelVersionWarning, UntrustedTypeError
from sklearn_har.persistence import _container
from sklearn_har.persistence._classifier import classifier_members

pytestmark = pytest.mark.filterwarnings("ignore::sklearn_har.exceptions.DivergenceWarning")

SMALL = {
    CNNClassifier: dict(module__channels=(8,)),
    USADClassifier: dict(module__stem_width=8, module__widths=(8,), module__depths=(1,),
                         module__kernels=(3, 5)),
    MAGRes2NetClassifier: dict(module__depths=(1,), module__base_width=4, module__width=4,
                               module__stem_width=8),
    UMSNetClassifier: dict(module__n_slices=4, module__sensor_depths=(1,),
                           module__fusion_depths=(1,), module__sensor_width=4,
                           module__fusion_width=4, module__dim=16, module__heads=2),
    SFTNASClassifier: dict(module__filters=8, search_epochs=2, backend="conv"),
}


@pytest.fixture(scope="module")
def data():
    X, y, groups = make_har_windows(n_windows=150, n_classes=3, n_channels=6, n_timesteps=32,
                                    n_groups=5, random_state=0)
    return X, np.array(["run", "sit", "walk"])[y], groups


def _fit(cls, data, **params):
    X, y, groups = data
    return cls(**{**SMALL[cls], **params}, max_epochs=2, batch_size=32, verbose=0,
               random_state=0).fit(X, y, groups=groups)


@pytest.mark.parametrize("cls", list(SMALL), ids=lambda c: c.__name__)
def test_round_trip_predicts_exactly_and_keeps_everything(cls, data, tmp_path):
    X, _, _ = data
    est = _fit(cls, data)
    path = est.save(tmp_path / "model.skhar")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    assert "module.safetensors" in names and not any(n.endswith((".pkl", ".pt")) for n in names)
    rng = torch.random.get_rng_state()
    back = sklearn_har.load(path)
    assert torch.equal(torch.random.get_rng_state(), rng)  # loading draws nothing of the caller's
    assert type(back) is cls
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(back.classes_, est.classes_)
    assert list(back.predict(X[:5])) == list(est.predict(X[:5]))
    assert {k: repr(v) for k, v in back.get_params(deep=False).items()} == {
        k: repr(v) for k, v in est.get_params(deep=False).items()}
    assert len(back.history) == len(est.history)
    assert back.history[-1]["valid_loss"] == est.history[-1]["valid_loss"]
    with pytest.raises(ValueError, match="6 channel"):
        back.predict(np.zeros((2, 5, 32), dtype=np.float32))


def test_sftnas_found_network_and_report_come_back(data, tmp_path):
    est = _fit(SFTNASClassifier, data)
    back = sklearn_har.load(est.save(tmp_path / "m.skhar"))
    assert back.search_report_ == est.search_report_
    assert back.final_module_.architecture() == est.final_module_.architecture()


def test_criterion_state_comes_back(data, tmp_path):
    # center loss centres (MAG-Res2Net) and the adaptive loss weights (USAD)
    for cls in (MAGRes2NetClassifier, USADClassifier):
        est = _fit(cls, data)
        back = sklearn_har.load(est.save(tmp_path / "m.skhar"))
        a, b = est.criterion_.state_dict(), back.criterion_.state_dict()
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], torch.Tensor):
                assert torch.equal(a[key].cpu(), b[key].cpu()), key
            else:
                assert a[key] == b[key], key


class LocalNet(torch.nn.Module):
    def __init__(self, n_channels, n_classes):
        super().__init__()
        self.fc = torch.nn.Linear(n_channels, n_classes)

    def forward(self, x, **kwargs):
        return self.fc(x.mean(dim=-1))


def test_untrusted_types_are_refused_and_named(data, tmp_path):
    """Fault: a saved model naming a type that is not trusted (code of unknown origin).
    Behaviour: UntrustedTypeError listing every such type; nothing is imported or built
    unless the user lists them in trusted=."""
    X, y, _ = data
    est = NeuralWindowClassifier(LocalNet, max_epochs=1, verbose=0, random_state=0).fit(X, y)
    path = est.save(tmp_path / "m.skhar")
    name = f"{__name__}.LocalNet"
    with pytest.raises(UntrustedTypeError, match=rf"not trusted: \['{name}'\]"):
        sklearn_har.load(path)
    for trusted in ([name], [LocalNet]):
        back = sklearn_har.load(path, trusted=trusted)
        np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def _rewrite(path, change):
    """Rewrite a model file member by member, ``change(name, blob)`` returning new bytes."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, change(name, blob))
    path.write_bytes(buf.getvalue())


def test_tampered_truncated_and_foreign_files_load_nothing(data, tmp_path):
    """Fault: a truncated, modified or foreign model file.
    Behaviour: ModelFileError saying which (truncated, checksum mismatch of a member, not
    a model file); nothing is loaded."""
    est = _fit(CNNClassifier, data)
    path = tmp_path / "m.skhar"
    est.save(path)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="truncated"):
        sklearn_har.load(path)
    path.write_bytes(good)
    _rewrite(path, lambda n, b: b.replace(b'"max_epochs": 2', b'"max_epochs": 3')
             if n == "estimator.json" else b)
    with pytest.raises(ModelFileError, match="estimator.json does not match its checksum"):
        sklearn_har.load(path)
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError, match="not a sklearn_har model file"):
        sklearn_har.load(path)
    with pytest.raises(ModelFileError, match="is a folder"):
        sklearn_har.load(tmp_path)


def _with_manifest(path, **changes):
    def change(name, blob):
        if name != "manifest.json":
            return blob
        manifest = json.loads(blob)
        for key, value in changes.items():
            if key == "versions":
                manifest["versions"].update(value)
            else:
                manifest[key] = value
        return json.dumps(manifest).encode()

    _rewrite(path, change)


def test_versions_newer_refused_other_warned(data, tmp_path):
    """Fault: a model file written by another version of sklearn_har or torch.
    Behaviour: a newer sklearn_har or file format is refused; other differences load with
    a ModelVersionWarning naming the versions."""
    est = _fit(CNNClassifier, data)
    path = tmp_path / "m.skhar"
    est.save(path)
    good = path.read_bytes()
    _with_manifest(path, versions={"sklearn_har": "999.0"})
    with pytest.raises(ModelFileError, match="sklearn_har 999.0, newer than this"):
        sklearn_har.load(path)
    path.write_bytes(good)
    _with_manifest(path, format_version=99)
    with pytest.raises(ModelFileError, match="model format 99"):
        sklearn_har.load(path)
    path.write_bytes(good)
    _with_manifest(path, versions={"torch": "1.0.0", "sklearn_har": "0.0.1"})
    with pytest.warns(ModelVersionWarning, match="torch 1.0.0"):
        sklearn_har.load(path)


def test_a_failed_write_leaves_nothing_under_the_final_name(data, tmp_path, monkeypatch):
    """Fault: the disk fills up while a model is saved.
    Behaviour: the error is raised; the previous file under the name is untouched and no
    partial or temporary file is left (write, fsync, rename)."""
    est = _fit(CNNClassifier, data)
    path = tmp_path / "m.skhar"
    est.save(path)
    before = path.read_bytes()

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError, match="No space left"):
        est.save(path)
    assert path.read_bytes() == before  # the previous model is untouched
    assert sorted(os.listdir(tmp_path)) == ["m.skhar"]  # no temporary file left
    with pytest.raises(OSError):
        est.save(tmp_path / "new.skhar")
    assert not (tmp_path / "new.skhar").exists()


def test_a_gpu_model_loads_on_a_cpu_only_machine(data, tmp_path, monkeypatch):
    """Fault: a model fitted on a GPU, loaded on a machine without one.
    Behaviour: it loads on the CPU with a warning and predicts as before."""
    X, _, _ = data
    est = _fit(CNNClassifier, data)
    members = classifier_members(est)
    doc = json.loads(members["estimator.json"])
    doc["params"]["device"] = "cuda"  # as saved from a GPU: the tensors are CPU data
    members["estimator.json"] = json.dumps(doc).encode()
    path = _container.write(tmp_path / "gpu.skhar", members, "classifier")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        back = sklearn_har.load(path)
    assert back.device == "cpu"
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert sklearn_har.load(path, device="cpu").device == "cpu"


def test_unfitted_and_non_data_parameters_are_refused(data, tmp_path):
    with pytest.raises(NotFittedError):
        CNNClassifier().save(tmp_path / "m.skhar")
    est = _fit(CNNClassifier, data)
    est.set_params(predict_nonlinearity=lambda z: z)
    with pytest.raises(TypeError, match="predict_nonlinearity.*cannot be referred to by name"):
        est.save(tmp_path / "m.skhar")
    assert not (tmp_path / "m.skhar").exists()
    with pytest.raises(TypeError, match="a fitted deep classifier of sklearn_har is expected"):
        sklearn_har.persistence.save(object(), tmp_path / "x.skhar")


def test_pipelines_round_trip_rows_in_labels_out(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    from sklearn_har import Pipeline, StatFeatures, WindowScaler, WindowSegmenter
    from sklearn_har.datasets import make_har_table

    X, y = make_har_table(n_users=3, n_activities=3, rows_per_user=600, random_state=0)
    trees = Pipeline([("seg", WindowSegmenter(window=32, step=16, group_column="user")),
                      ("feat", StatFeatures()),
                      ("rf", RandomForestClassifier(n_estimators=5, random_state=0))]).fit(X, y)
    deep = Pipeline([("seg", WindowSegmenter(window=32, step=16, group_column="user")),
                     ("scale", WindowScaler()),
                     ("clf", CNNClassifier(module__channels=(8,), max_epochs=2, verbose=0,
                                           random_state=0))]).fit(X, y)
    for pipe in (trees, deep):
        path = tmp_path / "pipe.skhar"
        pipe.save(path)
        back = sklearn_har.load(path)
        assert type(back) is Pipeline and [n for n, _ in back.steps] == [
            n for n, _ in pipe.steps]
        np.testing.assert_array_equal(back.predict(X), pipe.predict(X))
        np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))
    with zipfile.ZipFile(tmp_path / "pipe.skhar") as zf:
        names = zf.namelist()
    assert "steps/2/module.safetensors" in names and "steps/0/step.skops" in names


class LocalScaler:
    """A step of the user's own (not trusted by default)."""

    def fit(self, X, y=None):
        self.scale_ = np.abs(X).max() or 1.0
        return self

    def transform(self, X):
        return X / self.scale_

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_a_pipeline_with_an_untrusted_step_loads_nothing(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from sklearn_har import Pipeline

    X, y, _ = make_har_windows(n_windows=60, n_channels=2, n_timesteps=8, random_state=0)
    pipe = Pipeline([("own", LocalScaler()), ("lr", LogisticRegression())]).fit(
        X.reshape(60, -1), y)
    path = tmp_path / "p.skhar"
    pipe.save(path)
    with pytest.raises(UntrustedTypeError, match="LocalScaler"):
        sklearn_har.load(path)
    back = sklearn_har.load(path, trusted=[f"{__name__}.LocalScaler"])
    np.testing.assert_array_equal(back.predict(X.reshape(60, -1)), pipe.predict(X.reshape(60, -1)))
