"""The update is bit for bit what it was before the optimizer pipeline was split into named steps: every
optimizer and option (momentum, AMSGrad, EMA, schedules, clipping, loss scale, weight decay with exclusions), on
the weights of a small MLP, per variable, packed as ``fit`` packs them, ``flat=True``, with gradients missing,
with a large variable updated in slices; with the compiled Adam kernel and without (``golden.py``)."""
import json

import pytest

from neuroflow import _native

from . import golden

RECORDED = json.loads(golden.RECORD.read_text())
KERNELS = ["numpy"] + (["native"] if _native.library() is not None and "native" in RECORDED else [])


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("scenario", sorted(golden.SCENARIOS))
def test_update_is_bitwise_what_it_was(scenario, kernels):
    for mode in golden.MODES:
        if kernels == "numpy":
            with _native.disabled():
                got = golden.digest(*golden.run(scenario, mode))
        else:
            got = golden.digest(*golden.run(scenario, mode))
        assert got == RECORDED[kernels][f"{scenario}/{mode}"], f"{scenario} in mode {mode} ({kernels})"
