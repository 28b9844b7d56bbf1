"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), Keras' form.

Each update first decays ``w -= w * weight_decay * lr`` (the base class does this for every optimizer given a
``weight_decay``), then takes the Adam step; this is also PyTorch's AdamW.
"""
from __future__ import annotations

from ..errors import ConfigError
from .adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay. Slots as :class:`Adam`.

    Args: learning_rate (0.001), weight_decay (0.004, required), beta_1 (0.9), beta_2 (0.999), epsilon (1e-7),
    amsgrad (False), and the base arguments (clipnorm, ..., name="adamw", flat).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adamw", **kwargs):
        if weight_decay is None:
            raise ConfigError("AdamW: weight_decay must be a float, got None (use Adam for no weight decay)")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)
