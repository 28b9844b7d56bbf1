"""Side-by-side benchmarks, neuroflow vs PyTorch: see benchmarks/README.md. Not part of the installed package."""
