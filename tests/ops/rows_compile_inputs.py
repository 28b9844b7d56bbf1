"""Op-table rows for ops whose batch-dependent arrays are node inputs so that a compiled step sees them as feeds
(``gather_rows``: Embedding's lookup) or that draw inside their node (``random_noise``: the noise layers)."""
import numpy as np

from neuroflow.ops.fused import random_noise
from neuroflow.ops.index import gather_rows

from .harness import case

try:
    import torch
except ImportError:  # the table still runs finite differences
    torch = None

IDS = np.array([[0, 2, 2], [4, 0, 1]])


def _noise(kind, rate, like):
    """The noise ``random_noise`` draws from a fresh generator seeded 0, as (scale, offset) arrays."""
    from neuroflow.ops.fused import RandomNoise
    return RandomNoise(kind, (3, 4), rate, str(like.dtype).replace("torch.", ""), None).draw(np.random.default_rng(0))


ROWS = [
    case("gather_rows", lambda t: gather_rows(t, IDS), [(5, 3)],
         (lambda t: t[torch.from_numpy(IDS)]) if torch else None, id="repeated-ids"),
    case("random_noise", lambda a: random_noise(a, "gaussian_noise", 0.3, np.random.default_rng(0)), [(3, 4)],
         (lambda a: a + torch.from_numpy(_noise("gaussian_noise", 0.3, a)[1])) if torch else None, id="additive"),
    case("random_noise", lambda a: random_noise(a, "gaussian_dropout", 0.3, np.random.default_rng(0)), [(3, 4)],
         (lambda a: a * torch.from_numpy(_noise("gaussian_dropout", 0.3, a)[0])) if torch else None, id="multiplicative"),
    case("random_noise", lambda a: random_noise(a, "alpha_dropout", 0.3, np.random.default_rng(0)), [(3, 4)],
         (lambda a: a * torch.from_numpy(_noise("alpha_dropout", 0.3, a)[0]) + torch.from_numpy(
             _noise("alpha_dropout", 0.3, a)[1])) if torch else None, id="alpha"),
]
