"""Layer tests: every layer goes through ``layer_check.check_layer``; PyTorch parity where torch has the layer."""
