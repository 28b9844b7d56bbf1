"""Keras 3's ``keras.export``: :class:`ExportArchive` (see :mod:`.export_archive`)."""
from .export_archive import ExportArchive

__all__ = ["ExportArchive"]
