"""Teacher models for distillation and comparison, run off the device at training and evaluation time."""
