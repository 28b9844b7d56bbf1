"""File-system helpers shared by saving and callbacks (atomic writes)."""
from .atomic import atomic_path, atomic_write, atomic_write_bytes, intended_path, remove_stale_temporaries

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_path", "remove_stale_temporaries", "intended_path"]
