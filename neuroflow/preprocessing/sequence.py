"""``keras.preprocessing.sequence``: ``pad_sequences`` (neuroflow.utils' own)."""
from ..utils.data_utils import pad_sequences

__all__ = ["pad_sequences"]
