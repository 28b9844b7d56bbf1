"""Build of neuroflow's optional compiled kernels; everything else is in pyproject.toml.

``optional=True``: where no C compiler is found the build is skipped with a warning and neuroflow runs the NumPy
form of every kernel (``neuroflow._native.library()`` is then None).
"""
import sys

from setuptools import Extension, setup

# -ffp-contract=off: no fused multiply-adds behind the source's back, so each expression rounds like the NumPy
# ufunc sequence it replaces. -fno-math-errno / -fno-trapping-math: lets gcc vectorize sqrtf and the selects.
FLAGS = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off"]

setup(ext_modules=[Extension("neuroflow._native._kernels", ["neuroflow/_native/kernels.c"], extra_compile_args=FLAGS,
                             optional=True)])
