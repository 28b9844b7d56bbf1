"""One rate at the best threshold where another rate meets a constraint (Keras 3's ``SensitivityAtSpecificity``,
``SpecificityAtSensitivity``, ``PrecisionAtRecall``, ``RecallAtPrecision``).

Confusion counts accumulate at ``num_thresholds`` evenly spaced thresholds in ``[0, 1]`` (one threshold, 0.5, when
``num_thresholds == 1``); the result is the largest ``dependent`` rate over the thresholds whose ``constrained``
rate is ``>= value`` (0 when none is).
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module, is_host
from ..errors import ConfigError
from .confusion import _ConfusionMetric, _divide_no_nan


class _AtOperatingPoint(_ConfusionMetric):
    _value_name = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        who = type(self).__name__
        if not 0 <= value <= 1:
            raise ConfigError(f"{who}: {self._value_name} must be in the range [0, 1]; got {value!r}")
        if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 0:
            raise ConfigError(f"{who}: num_thresholds must be an integer > 0; got {num_thresholds!r}")
        thresholds = [0.5] if num_thresholds == 1 else np.linspace(0.0, 1.0, num_thresholds).tolist()
        self.value, self.num_thresholds = float(value), int(num_thresholds)
        super().__init__(thresholds=thresholds, class_id=class_id, name=name, dtype=dtype)

    def _rates(self):
        return {"sensitivity": _divide_no_nan(self.tp, self.tp + self.fn),
                "recall": _divide_no_nan(self.tp, self.tp + self.fn),
                "specificity": _divide_no_nan(self.tn, self.tn + self.fp),
                "precision": _divide_no_nan(self.tp, self.tp + self.fp)}

    def _best(self, constrained, dependent):
        rates = self._rates()
        feasible = rates[constrained] >= self.value
        xp = get_array_module(feasible)
        best = xp.maximum(xp.where(feasible, rates[dependent], 0.0).max(), 0.0)
        return float(best) if is_host(best) else best  # a device value is read with the other logs

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_AtOperatingPoint):
    """Best sensitivity (recall) where specificity ``>= specificity``. Shapes: as :class:`Precision`."""

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        return self._best("specificity", "sensitivity")


class SpecificityAtSensitivity(_AtOperatingPoint):
    """Best specificity where sensitivity ``>= sensitivity``."""

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        return self._best("sensitivity", "specificity")


class PrecisionAtRecall(_AtOperatingPoint):
    """Best precision where recall ``>= recall``."""

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        return self._best("recall", "precision")


class RecallAtPrecision(_AtOperatingPoint):
    """Best recall where precision ``>= precision``."""

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> float:
        return self._best("precision", "recall")
