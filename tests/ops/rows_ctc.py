"""Op-table rows for the CTC loss (ops/ctc.py): labels with repeats (the skip transition is then barred), an empty
label, and output lengths shorter than the frames."""
import numpy as np

from neuroflow import ops

from .harness import case, const, uniform

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the table still runs finite differences
    torch = F = None

_LABELS = np.array([[1, 2, 2], [3, 1, 0], [0, 0, 0]])
_LABEL_LENGTH = np.array([3, 2, 0])
_OUTPUT_LENGTH = np.array([7, 5, 3])
_LABELS_NO_3 = np.where(_LABELS == 3, 0, _LABELS)  # class 3 is the blank in the last row


def _torch_ctc(z, blank=0, labels=_LABELS):
    return F.ctc_loss(torch.log_softmax(z, -1).transpose(0, 1), torch.tensor(labels), torch.tensor(_OUTPUT_LENGTH),
                      torch.tensor(_LABEL_LENGTH), blank=blank, reduction="none")


ROWS = [
    case("ctc_loss", lambda z: ops.ctc_loss(_LABELS, z, _LABEL_LENGTH, _OUTPUT_LENGTH), [uniform(3, 7, 4)],
         _torch_ctc if torch else None),
    case("ctc_loss", lambda y, z: ops.ctc_loss(y, z, _LABEL_LENGTH, _OUTPUT_LENGTH, mask_index=0),
         [const(lambda r: _LABELS), uniform(3, 7, 4, low=-4, high=4)],
         (lambda y, z: _torch_ctc(z)) if torch else None, id="labels-tensor"),
    case("ctc_loss", lambda z: ops.ctc_loss(_LABELS_NO_3, z, _LABEL_LENGTH, _OUTPUT_LENGTH, mask_index=3),
         [uniform(3, 7, 4)], (lambda z: _torch_ctc(z, blank=3, labels=_LABELS_NO_3)) if torch else None,
         id="blank-last"),
]
