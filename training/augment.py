"""Training batches of augmented faces (training/camera.py does the augmentation, in NumPy and OpenCV, so that any
Keras backend, TensorFlow on the CPU or JAX on a GPU, trains on the same batches)."""

from __future__ import annotations

import keras
import numpy as np

from training.camera import AugmentSpec, augment_batch, colour_matrix  # noqa: F401 (the training API)


class TrainBatches(keras.utils.PyDataset):
    """Shuffled, augmented batches of (float pixels 0..255, age, sample weight); a new order every epoch.

    Each batch has its own random stream derived from (seed, epoch, index), so a run is repeatable whatever
    the number of worker threads."""

    def __init__(self, crops: np.ndarray, ages: np.ndarray, weights: np.ndarray, *, batch: int, spec: AugmentSpec,
                 seed: int, workers: int = 1):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max(10, 2 * workers))
        self.crops, self.ages = crops, ages.astype(np.float32)
        self.weights = weights.astype(np.float32)
        self.batch, self.spec, self.seed = batch, spec, seed
        self.epoch = 0
        self.order = self._order()

    def _order(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.ages))

    def __len__(self) -> int:
        return len(self.ages) // self.batch

    def __getitem__(self, index: int):
        rng = np.random.default_rng([self.seed, self.epoch, index])
        idx = self.order[index * self.batch:(index + 1) * self.batch]
        return augment_batch(self.crops[idx], rng, self.spec), self.ages[idx], self.weights[idx]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._order()


class EvalBatches(keras.utils.PyDataset):
    """Un-augmented batches of (float pixels, age) in file order."""

    def __init__(self, crops: np.ndarray, ages: np.ndarray, *, batch: int):
        super().__init__()
        self.crops, self.ages, self.batch = crops, ages.astype(np.float32), batch

    def __len__(self) -> int:
        return -(-len(self.ages) // self.batch)

    def __getitem__(self, index: int):
        sl = slice(index * self.batch, (index + 1) * self.batch)
        return self.crops[sl].astype(np.float32), self.ages[sl]
