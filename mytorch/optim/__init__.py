"""``optim``: optimizers and learning-rate schedulers, engine-agnostic."""
