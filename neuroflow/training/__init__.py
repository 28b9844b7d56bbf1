"""The fit loop: data adaptation, batching, train/test steps, metric streams and callback dispatch."""
