"""Training code: fits the matcher's models from the data folder (`make train-*`).

Serving never imports this package; it may need PyTorch (the `train` extra)."""
