"""Rebuild a Sequential of 3,000 Dropout layers from JSON: time (without tracing) and peak allocation (traced).

    python benchmarks/deep_config.py
"""
import json
import time
import tracemalloc

from neuroflow.models import model_from_json

model_from_json(json.dumps({"class_name": "Sequential", "config": {"name": "warm", "layers": []}}))  # imports
text = json.dumps({"class_name": "Sequential", "config": {"name": "deep", "build_input_shape": [None, 4], "layers": [
    {"class_name": "Dropout", "config": {"rate": 0.1, "name": f"d{i}"}} for i in range(3000)]}})
start = time.perf_counter()
model_from_json(text)
seconds = time.perf_counter() - start
tracemalloc.start()
model_from_json(text)
peak = tracemalloc.get_traced_memory()[1]
print(f"3,000 Dropout layers: rebuilt in {seconds:.2f} s, peak allocation {peak / 2 ** 20:.1f} MiB")
