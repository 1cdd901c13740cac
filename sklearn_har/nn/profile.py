"""Size and cost of a network for the edge: parameters, MACs, peak activation memory.

Three numbers the export report and the benchmarks print:

- :func:`count_params` -- learnable parameters (weights, BatchNorm affine, ...).
- :func:`count_macs` -- multiply-accumulates of one forward pass on an example input.
  Counted at the ATen level (a ``TorchDispatchMode``, with the formulas of
  ``torch.utils.flop_counter``) so that whatever Python builds a product, the
  product is seen. Generic counters get three things wrong, and this one does not:
  attention (``torch.nn.MultiheadAttention`` and ``TransformerEncoderLayer`` take a
  fused "fast path" in inference that no formula covers -- it is switched off while
  counting; ``scaled_dot_product_attention`` on CPU dispatches to a kernel that
  ``FlopCounterMode`` does not know -- added here, ``Q K^T`` and ``A V`` both counted),
  and recurrent layers (``nn.LSTM`` runs as one oneDNN / cuDNN kernel that counts as
  zero -- LSTM, GRU and RNN layers and cells are counted analytically instead).
- :func:`peak_activation_bytes` -- the most activation memory live at once when the
  exported graph runs node by node (an analytic estimate of an inference arena).

Examples
--------
>>> import torch
>>> from sklearn_har.nn import CNN1D
>>> from sklearn_har.nn.profile import count_macs, count_params, peak_activation_bytes
>>> net = CNN1D(n_channels=9, n_classes=6)
>>> count_params(net)
44614
>>> count_macs(net, torch.zeros(1, 9, 128))
2335104
>>> peak_activation_bytes(net, torch.zeros(1, 9, 128))  # two 64 x 128 float32 maps
65536
"""

import contextlib
import warnings

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

__all__ = ["count_macs", "count_params", "peak_activation_bytes"]

aten = torch.ops.aten

# FLOP formulas (2 per multiply-accumulate) by ATen op: torch's own, plus the CPU
# attention kernels torch's table lacks (same arguments as the CUDA flash kernel).
_FLOP_FORMULAS = dict(flop_registry)
_CPU_ATTENTION = (
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_fused_attention_overrideable",
)
for _name in _CPU_ATTENTION:
    if hasattr(aten, _name):
        _FLOP_FORMULAS[getattr(aten, _name)] = flop_registry[
            aten._scaled_dot_product_flash_attention
        ]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_CELL_GATES = {nn.LSTMCell: 4, nn.GRUCell: 3, nn.RNNCell: 1}


def count_params(module, trainable_only=False):
    """Number of parameters of ``module`` (shared parameters once; buffers not counted).

    Parameters
    ----------
    module : torch.nn.Module
    trainable_only : bool, default=False
        Count only parameters with ``requires_grad``.

    Returns
    -------
    int
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def _as_args(example_input):
    return tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)


def _recurrent_macs(module, args):
    """MACs of one call of a recurrent layer or cell, from its sizes.

    Biases and the element-wise gate products are not counted.

    Per time step, per direction and layer: ``gates * hidden * (input + hidden)``
    (4 gates for LSTM, 3 for GRU, 1 for RNN), with the recurrent input of size
    ``proj_size`` and ``hidden * proj_size`` more for a projected LSTM.
    """
    x = args[0]
    if isinstance(module, nn.RNNBase):
        if isinstance(x, nn.utils.rnn.PackedSequence):
            steps = int(x.batch_sizes.sum())
        elif x.dim() == 2:  # unbatched (T, H_in)
            steps = x.shape[0]
        else:
            steps = x.shape[0] * x.shape[1]
        gates = _GATES[module.mode]
        dirs = 2 if module.bidirectional else 1
        h = module.hidden_size
        r = module.proj_size or h
        per_step = 0
        for layer in range(module.num_layers):
            n_in = module.input_size if layer == 0 else r * dirs
            per_step += dirs * (gates * h * (n_in + r) + (h * r if module.proj_size else 0))
        return steps * per_step
    gates = next((g for cls, g in _CELL_GATES.items() if isinstance(module, cls)), 1)
    batch = 1 if x.dim() == 1 else x.shape[0]
    return batch * gates * module.hidden_size * (module.input_size + module.hidden_size)


class _MacCounter(TorchDispatchMode):
    """Sums FLOPs of the ops that run, except inside a recurrent module (counted from its sizes)."""

    def __init__(self):
        super().__init__()
        self.flops = 0
        self.recurrent_macs = 0
        self._inside_recurrent = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = _FLOP_FORMULAS.get(func._overloadpacket)
        if formula is not None and not self._inside_recurrent:
            self.flops += formula(*args, **kwargs, out_val=out)
        return out

    def enter_recurrent(self, module, args):
        self._inside_recurrent += 1

    def leave_recurrent(self, module, args, output):
        self._inside_recurrent -= 1
        self.recurrent_macs += _recurrent_macs(module, args)


@contextlib.contextmanager
def _inference(module):
    """Eval mode, no grad, no fused attention fast path; everything restored after."""
    training = module.training
    fastpath = torch.backends.mha.get_fastpath_enabled()
    module.eval()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        module.train(training)


def count_macs(module, example_input):
    """Multiply-accumulates of one forward pass of ``module`` on ``example_input``.

    Counted: convolutions, linear layers and every matrix product (``mm``, ``addmm``,
    ``bmm``, ``baddbmm``, ``matmul``, ``einsum``), attention inside
    ``scaled_dot_product_attention`` and ``nn.MultiheadAttention`` (``Q K^T`` and
    ``A V``: ``2 * B * heads * L_q * L_k * head_dim``), and recurrent layers
    (``nn.LSTM`` / ``GRU`` / ``RNN`` and their cells: ``gates * (in * h + h * h)`` per
    step, 4 gates for LSTM and 3 for GRU). Not counted: biases, normalisation (it folds
    into the preceding layer), activations, pooling, softmax and other element-wise ops.

    The module runs once in eval mode with no gradient (restored after), with
    PyTorch's fused attention fast path switched off so attention is seen op by op.

    Parameters
    ----------
    module : torch.nn.Module
    example_input : torch.Tensor or tuple of torch.Tensor
        E.g. windows ``(B, C, T)``; the count is for the whole batch, so pass
        ``B = 1`` for the cost of one window.

    Returns
    -------
    int
    """
    counter = _MacCounter()
    recurrent = (nn.RNNBase, nn.RNNCellBase)
    handles = []
    for sub in module.modules():
        if isinstance(sub, recurrent):
            handles.append(sub.register_forward_pre_hook(counter.enter_recurrent))
            handles.append(sub.register_forward_hook(counter.leave_recurrent))
    try:
        with _inference(module), counter:
            module(*_as_args(example_input))
    finally:
        for handle in handles:
            handle.remove()
    return int(counter.flops // 2 + counter.recurrent_macs)


def _tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


def peak_activation_bytes(module, example_input):
    """The most bytes of activations alive at once when the exported graph runs in order.

    ``module`` is exported in eval mode with :func:`torch.export.export` on
    ``example_input`` (static shapes), and its ATen graph is walked node by node:

    - a tensor is allocated when the node making it runs and freed right after the
      last node that reads it (graph outputs stay alive to the end);
    - the inputs and the output of a node are alive together while it runs, so the
      peak is taken after each node's allocation and before any freeing;
    - tensors are counted by storage: a view, an in-place op or an op that returns
      its input (``dropout`` in eval) adds no bytes and keeps its base alive;
    - parameters, buffers and constants are not activations (they live in flash)
      and count nothing; the example input does count, until its last use;
    - an operator's internal workspace is not counted (``im2col``, GEMM packing),
      except that of ``scaled_dot_product_attention``: its ``(B, heads, L_q, L_k)``
      score matrix is counted while that node runs, as a runtime without a fused
      attention kernel materialises it;
    - no operator fusion and no memory planning beyond freeing at last use: a real
      arena (TFLite Micro's) may be smaller where it runs ops in place, or larger
      with alignment and fragmentation.

    Parameters
    ----------
    module : torch.nn.Module
    example_input : torch.Tensor or tuple of torch.Tensor
        The count is for this batch size; pass ``B = 1`` for a microcontroller.

    Returns
    -------
    int
        Bytes, at the example input's dtypes.
    """
    training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            # nn.LSTM's flattened weights: a torch.export notice, not the caller's concern
            warnings.filterwarnings("ignore", message="The tensor attributes .*_flat_weights",
                                    category=UserWarning)
            program = torch.export.export(module, _as_args(example_input))
    finally:
        module.train(training)
    weights = {
        spec.arg.name
        for spec in program.graph_signature.input_specs
        if spec.kind != torch.export.graph_signature.InputKind.USER_INPUT
    }
    nodes = list(program.graph.nodes)
    position = {node: i for i, node in enumerate(nodes)}

    weight_storages = set()
    storages_of = {}  # node -> storages its value lives in
    size = {}
    last_use = {}
    for i, node in enumerate(nodes):
        refs = []
        for t in _tensors(node.meta.get("val")):
            ref = StorageWeakRef(t.untyped_storage())
            if node.op == "placeholder" and node.name in weights:
                weight_storages.add(ref)
            refs.append(ref)
            size.setdefault(ref, t.untyped_storage().nbytes())
        storages_of[node] = [r for r in refs if r not in weight_storages]
        end = max([i] + [position[user] for user in node.users])
        for ref in storages_of[node]:
            last_use[ref] = max(last_use.get(ref, i), end)

    live, peak = {}, 0
    for i, node in enumerate(nodes):
        for ref in storages_of[node]:
            live.setdefault(ref, size[ref])
        workspace = 0
        if node.target is aten.scaled_dot_product_attention.default:
            q, k = node.args[0].meta["val"], node.args[1].meta["val"]
            workspace = q.shape[:-1].numel() * k.shape[-2] * q.element_size()
        peak = max(peak, sum(live.values()) + workspace)
        for ref in [r for r in live if last_use[r] <= i]:
            del live[ref]
    return int(peak)
