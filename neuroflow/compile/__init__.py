"""The compiled step: a training step recorded once into a Program and replayed (see compile/ir.py)."""
