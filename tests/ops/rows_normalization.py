"""Op-table rows for the fused normalization ops (batch normalization in both modes, layer normalization)."""
from neuroflow.ops import normalization as nrm

from .harness import case, positive, uniform

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the table still runs finite differences
    torch = F = None

EPS = 1e-3


def _torch_bn_inference(x, m, v, g, b, axis):
    """The inference formula written out, so torch's autograd also differentiates mean and variance."""
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - m.reshape(shape)) / torch.sqrt(v.reshape(shape) + EPS) * g.reshape(shape) + b.reshape(shape)


def _channels_last(fn):
    """torch's batch/layer norm on (N, C, ...) applied to channels-last data."""
    return lambda x, *p: fn(torch.movedim(x, -1, 1), *p).movedim(1, -1)


ROWS = [
    # inference form: differentiable in x, mean, variance, scale, offset
    case("batch_normalization",
         lambda x, m, v, g, b: nrm.batch_normalization(x, m, v, axis=-1, offset=b, scale=g),
         [(6, 4), (4,), positive(4), (4,), (4,)],
         lambda x, m, v, g, b: _torch_bn_inference(x, m, v, g, b, -1)),
    case("batch_normalization",
         lambda x, m, v: nrm.batch_normalization(x, m, v, axis=1),
         [(3, 4, 5), (4,), positive(4)],
         lambda x, m, v: _torch_bn_inference(x, m, v, torch.ones(4), torch.zeros(4), 1), id="axis1-no-params"),
    # training form: batch statistics (biased variance), the fused backward
    case("batch_normalization_training",
         lambda x, g, b: nrm.batch_normalization_training(x, axis=-1, offset=b, scale=g)[0],
         [(8, 5), (5,), (5,)],
         lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=EPS), atol=1e-4),
    case("batch_normalization_training",
         lambda x, g, b: nrm.batch_normalization_training(x, axis=-1, offset=b, scale=g)[0],
         [(2, 3, 4, 3), (3,), (3,)],
         _channels_last(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=EPS)),
         id="2d-channels-last", atol=1e-4),
    case("batch_normalization_training",
         lambda x: nrm.batch_normalization_training(x, axis=1)[0],
         [(4, 3, 5)],
         lambda x: F.batch_norm(x, None, None, training=True, eps=EPS), id="axis1-no-params", atol=1e-4),
    # layer normalization over the last axis and over two axes
    case("layer_normalization",
         lambda x, g, b: nrm.layer_normalization(x, g, b, axis=-1, epsilon=EPS),
         [(4, 6), (6,), (6,)],
         lambda x, g, b: F.layer_norm(x, (6,), g, b, eps=EPS), atol=1e-4),
    case("layer_normalization",
         lambda x, g, b: nrm.layer_normalization(x, g, b, axis=(-2, -1), epsilon=EPS),
         [(3, 4, 5), (4, 5), (4, 5)],
         lambda x, g, b: F.layer_norm(x, (4, 5), g, b, eps=EPS), id="two-axes", atol=1e-4),
    case("layer_normalization",
         lambda x: nrm.layer_normalization(x, axis=-1, epsilon=EPS),
         [uniform(3, 7)],
         lambda x: F.layer_norm(x, (7,), eps=EPS), id="no-params", atol=1e-4),
    # Keras' deprecated rms_scaling: x / sqrt(var(x) + eps) * gamma, uncentred
    case("layer_normalization",
         lambda x, g: nrm.layer_normalization(x, g, axis=-1, epsilon=EPS, rms_scaling=True),
         [(4, 6), (6,)],
         lambda x, g: x / torch.sqrt(torch.var(x, -1, unbiased=False, keepdim=True) + EPS) * g, id="rms-scaling",
         atol=1e-4),
]
