"""One parametrized test over every registered network (a new one is tested once registered)."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from sklearn_har.nn import CNN1D, create_model, get_model_info, list_models
from sklearn_har.nn.layers import ConvBnAct
from sklearn_har.nn.models import CNN1D as CNN1D_from_models

MODELS = list_models()
N_CLASSES = 5


def _build(name, n_channels, seed=0, length=None):
    """A fixed-length network (``ModelInfo.fixed_length``) is built for ``length``."""
    torch.manual_seed(seed)
    kwargs = {"n_timesteps": length} if get_model_info(name).fixed_length and length else {}
    return create_model(name, n_channels=n_channels, n_classes=N_CLASSES, **kwargs)


def test_every_family_is_registered():
    assert "cnn1d" in MODELS
    assert CNN1D is CNN1D_from_models
    assert get_model_info(CNN1D).name == "cnn1d"
    assert get_model_info(CNN1D(3, 2)).name == "cnn1d"


@pytest.mark.parametrize("name", MODELS)
def test_metadata_is_complete(name):
    info = get_model_info(name)
    assert info.input_kind == "windows (B, C, T)"
    assert info.mcu_notes, "say why the network can (or cannot) go to a microcontroller"
    assert info.description
    assert info.family in list({get_model_info(n).family for n in MODELS})
    assert sum(get_model_info(n).default for n in list_models(family=info.family)) == 1
    assert isinstance(_build(name, 3), info.module)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("n_channels", [1, 3, 9])
@pytest.mark.parametrize("length", [24, 120])
def test_output_shapes(name, n_channels, length):
    net = _build(name, n_channels, length=length).eval()
    x = torch.randn(2, n_channels, length)
    with torch.no_grad():
        logits = net(x)
        logits2, features = net(x, return_features=True)
        fmap = net.forward_features(x)
    assert logits.shape == (2, N_CLASSES)
    assert features.shape == (2, net.n_features_out)
    assert torch.equal(logits, logits2)
    assert torch.equal(net.forward_head(fmap), logits)
    assert torch.equal(net.forward_head(fmap, pre_logits=True), features)


@pytest.mark.parametrize("name", MODELS)
def test_wrong_channel_count_says_what_was_expected(name):
    net = _build(name, 3)
    with pytest.raises(ValueError, match="3"):
        net(torch.randn(2, 4, 24))


@pytest.mark.parametrize("name", MODELS)
def test_backward_reaches_every_parameter(name):
    net = _build(name, 3, length=60).train()
    x = torch.randn(4, 3, 60)
    logits, features = net(x, return_features=True)
    loss = F.cross_entropy(logits, torch.tensor([0, 1, 2, 3])) + features.pow(2).mean()
    loss.backward()
    for pname, p in net.named_parameters():
        assert p.grad is not None, f"{pname} gets no gradient"
        assert torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, f"{pname} gets a zero gradient"


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_same_network_and_outputs(name):
    a, b = _build(name, 3, seed=7, length=48), _build(name, 3, seed=7, length=48)
    c = _build(name, 3, seed=8, length=48)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    pairs = zip(a.state_dict().values(), c.state_dict().values())
    assert any(not torch.equal(va, vc) for va, vc in pairs)
    x = torch.randn(4, 3, 48)
    torch.manual_seed(1)
    ya = a.train()(x)
    torch.manual_seed(1)
    yb = b.train()(x)
    assert torch.equal(ya, yb)


@pytest.mark.parametrize("name", MODELS)
def test_torch_export_matches_eager(name):
    # torch.export traces the network into one ATen graph (what edge export starts from).
    # A network registered with exportable=False states why in export_notes; only then
    # is a tracing failure a skip rather than an error.
    info = get_model_info(name)
    net = _build(name, 3, length=60).eval()
    x = torch.randn(2, 3, 60)
    try:
        ep = torch.export.export(net, (x,))
    except (NotImplementedError, torch._dynamo.exc.Unsupported, torch._dynamo.exc.UserError) as exc:
        if info.exportable:
            raise
        pytest.skip(f"{name}: {info.export_notes} ({type(exc).__name__})")
    with torch.no_grad():
        torch.testing.assert_close(ep.module()(x), net(x))


def test_cnn1d_matches_the_layer_sequence_it_has_always_had():
    # CNN1D before layers/ existed: per block Sequential(Conv1d(no bias), BatchNorm1d, ReLU),
    # max-pool 2 while T >= 2, mean over time, dropout, linear. Same seed, same weights,
    # same parameter names, same outputs.
    def legacy(n_channels, n_classes, channels, kernel_size, dropout):
        m = nn.Module()
        blocks, c_in = [], n_channels
        for c_out in channels:
            blocks.append(
                nn.Sequential(
                    nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False),
                    nn.BatchNorm1d(c_out),
                    nn.ReLU(inplace=True),
                )
            )
            c_in = c_out
        m.blocks = nn.ModuleList(blocks)
        m.dropout = nn.Dropout(dropout)
        m.head = nn.Linear(c_in, n_classes)
        return m

    def legacy_forward(m, x):
        for block in m.blocks:
            x = block(x)
            if x.shape[-1] >= 2:
                x = F.max_pool1d(x, 2)
        features = x.mean(dim=-1)
        return m.head(m.dropout(features)), features

    for cfg in [
        dict(channels=(64, 64, 64), kernel_size=5, dropout=0.2),
        dict(channels=(8, 16), kernel_size=4, dropout=0.0),
    ]:
        torch.manual_seed(0)
        old = legacy(9, 6, **cfg)
        torch.manual_seed(0)
        new = CNN1D(9, 6, **cfg)
        assert list(old.state_dict()) == list(new.state_dict())
        for (k, v_old), v_new in zip(old.state_dict().items(), new.state_dict().values()):
            assert torch.equal(v_old, v_new), k
        x = torch.randn(3, 9, 37)
        for train in (True, False):
            old.train(train)
            new.train(train)
            torch.manual_seed(1)
            y_old, f_old = legacy_forward(old, x)
            torch.manual_seed(1)
            y_new, f_new = new(x, return_features=True)
            assert torch.equal(y_old, y_new) and torch.equal(f_old, f_new)
        assert isinstance(new.blocks[0], ConvBnAct)


def test_create_model_suggests_a_close_name():
    with pytest.raises(ValueError, match="Did you mean 'cnn1d'"):
        create_model("cnn1", n_channels=3, n_classes=2)


def test_create_model_kwargs_override_the_preset():
    net = create_model("cnn1d", n_channels=3, n_classes=2, channels=(8, 4))
    assert net.n_features_out == 4


def test_conv_bn_act_takes_layer_types():
    block = ConvBnAct(3, 8, 3, norm_layer=None, act_layer=nn.GELU)
    assert isinstance(block.norm, nn.Identity) and isinstance(block.act, nn.GELU)
    assert block(torch.zeros(1, 3, 10)).shape == (1, 8, 10)


def test_nn_imports_neither_sklearn_nor_skorch():
    # Static: importing sklearn_har.nn loads the package __init__ (and with it sklearn),
    # so read the import statements of every file under nn/ instead.
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    for path in root.rglob("*.py"):
        if "tests" in path.relative_to(root).parts:
            continue
        depth = len(path.relative_to(root).parts) - 1  # folders below nn/
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level > depth + 1:  # leaves nn/: only utils/ is allowed
                    assert (node.module or "").startswith("utils"), f"{path}: from {node.module}"
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("sklearn", "skorch"), f"{path} imports {name}"
