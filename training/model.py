"""The compact age CNN (raw RGB pixels in, age-bin logits out) and its label-distribution loss."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops


def _sep_block(x, filters: int, stride: int, name: str):
    """Depthwise 3x3 + pointwise 1x1, batch norm and ReLU after each; a residual when shapes allow."""
    inp = x
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = layers.BatchNormalization(name=f"{name}_dw_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_dw_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pw")(x)
    x = layers.BatchNormalization(name=f"{name}_pw_bn")(x)
    if stride == 1 and inp.shape[-1] == filters:
        x = layers.Add(name=f"{name}_add")([inp, x])
    return layers.ReLU(6.0, name=f"{name}_relu")(x)


def build_model(size: int, n_bins: int, *, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    """A depthwise-separable CNN for (size, size, 3) RGB pixels in 0..255; outputs n_bins logits.

    The [-1, 1] scaling is inside the model, so the int8 model's input is the raw uint8 pixel."""
    def ch(c: int) -> int:
        return max(8, int(round(c * width / 8)) * 8)

    inputs = keras.Input((size, size, 3), name="pixels")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="scale")(inputs)
    x = layers.Conv2D(ch(32), 3, strides=2, padding="same", use_bias=False, name="stem")(x)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_relu")(x)
    plan = [(64, 1), (64, 1), (96, 2), (96, 1), (128, 2), (128, 1), (192, 2), (192, 1), (256, 1)]
    for i, (filters, stride) in enumerate(plan):
        x = _sep_block(x, ch(filters), stride, f"b{i}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(dropout, name="drop")(x)
    logits = layers.Dense(n_bins, name="logits")(x)
    return keras.Model(inputs, logits, name="mirrorball_age")


class FrozenTeacher(layers.Layer):
    """A trained model run in inference mode whatever the caller's training flag: a functional model passes
    fit's training=True to the layers it calls, which would switch a teacher's dropout on."""

    def __init__(self, teacher: keras.Model, **kw):
        super().__init__(**kw)
        teacher.trainable = False
        self.teacher = teacher

    def call(self, x):
        return self.teacher(x, training=False)


def with_teachers(student: keras.Model, teachers: list[keras.Model]) -> keras.Model:
    """A training wrapper whose output is the student's logits followed by each frozen teacher's logits on the
    same input (teachers in inference mode); LabelDistributionLoss(n_teachers=...) reads it."""
    inputs = keras.Input(student.input_shape[1:], name="pixels")
    outputs = [student(inputs)]
    outputs += [FrozenTeacher(teacher, name=f"teacher_{i}")(inputs) for i, teacher in enumerate(teachers)]
    return keras.Model(inputs, layers.Concatenate(axis=1, name="student_then_teachers")(outputs), name="distillation")


class LabelDistributionLoss(keras.losses.Loss):
    """Cross-entropy against a Gaussian label distribution around the true age, plus an L1 term on the
    expected age (label-distribution learning read out as an expected age). Backend-neutral (keras.ops)."""

    def __init__(self, ages: np.ndarray, sigma: float = 2.5, l1_weight: float = 0.05, *, n_teachers: int = 0,
                 distil_weight: float = 0.5, soft_weight: float = 0.0, name: str = "ldl", **kw):
        super().__init__(name=name, **kw)
        self.ages = np.asarray(ages, dtype=np.float32)
        self.sigma = float(sigma)
        self.l1_weight = float(l1_weight)
        self.n_teachers = int(n_teachers)
        self.distil_weight = float(distil_weight)
        # soft_weight > 0: y_true is (age, teacher's age) per face, and that share of the target is a label
        # distribution around the teacher's age (face-api.js gives one age, not a distribution).
        self.soft_weight = float(soft_weight)

    def _around(self, ages, age):
        target = ops.exp(-0.5 * ops.square((ages - age) / self.sigma))
        return target / ops.sum(target, axis=1, keepdims=True)

    def call(self, y_true, y_pred):
        n = len(self.ages)
        ages = ops.convert_to_tensor(self.ages)[None, :]
        y_true = ops.cast(y_true, "float32")
        if len(y_true.shape) == 1:
            y_true = y_true[:, None]
        age = y_true[:, :1]
        target = self._around(ages, age)
        if self.soft_weight and y_true.shape[-1] == 2:  # validation batches carry the label alone
            target = (1.0 - self.soft_weight) * target + self.soft_weight * self._around(ages, y_true[:, 1:2])
        y_pred = ops.cast(y_pred, "float32")
        if self.n_teachers:
            # with_teachers() appends each teacher's logits after the student's.
            taught = sum(ops.softmax(y_pred[:, n * (i + 1):n * (i + 2)], axis=1) for i in range(self.n_teachers))
            target = (1.0 - self.distil_weight) * target + self.distil_weight * taught / self.n_teachers
        log_p = ops.log_softmax(y_pred[:, :n], axis=1)
        ce = -ops.sum(target * log_p, axis=1)
        expected = ops.sum(ops.exp(log_p) * ages, axis=1)
        return ce + self.l1_weight * ops.abs(expected - age[:, 0])


class ExpectedAgeMAE(keras.metrics.Metric):
    """Mean absolute error of the expected age under softmax(logits); the first len(ages) columns are read."""

    def __init__(self, ages: np.ndarray, name: str = "mae", **kw):
        super().__init__(name=name, **kw)
        self.ages = np.asarray(ages, dtype=np.float32)
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        ages = ops.convert_to_tensor(self.ages)[None, :]
        student = ops.cast(y_pred, "float32")[:, :len(self.ages)]
        expected = ops.sum(ops.softmax(student, axis=1) * ages, axis=1)
        truth = ops.cast(y_true, "float32")
        truth = truth if len(truth.shape) == 1 else truth[:, 0]
        err = ops.abs(expected - truth)
        self.total.assign_add(ops.sum(err))
        self.count.assign_add(ops.cast(ops.size(err), "float32"))

    def result(self):
        return self.total / ops.maximum(self.count, 1.0)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)
