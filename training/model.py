"""The compact age CNN (raw RGB pixels in, age-bin logits out) and its label-distribution loss."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import keras
from keras import layers


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


class LabelDistributionLoss(keras.losses.Loss):
    """Cross-entropy against a Gaussian label distribution around the true age, plus an L1 term on the
    expected age (label-distribution learning read out as an expected age)."""

    def __init__(self, ages: np.ndarray, sigma: float = 2.5, l1_weight: float = 0.05, name: str = "ldl", **kw):
        super().__init__(name=name, **kw)
        self.ages = tf.constant(np.asarray(ages, dtype=np.float32))
        self.sigma = float(sigma)
        self.l1_weight = float(l1_weight)

    def call(self, y_true, y_pred):
        age = tf.reshape(tf.cast(y_true, tf.float32), (-1, 1))
        target = tf.exp(-0.5 * tf.square((self.ages[None, :] - age) / self.sigma))
        target = target / tf.reduce_sum(target, axis=1, keepdims=True)
        log_p = tf.nn.log_softmax(y_pred, axis=1)
        ce = -tf.reduce_sum(target * log_p, axis=1)
        expected = tf.reduce_sum(tf.exp(log_p) * self.ages[None, :], axis=1)
        return ce + self.l1_weight * tf.abs(expected - age[:, 0])


class ExpectedAgeMAE(keras.metrics.Metric):
    """Mean absolute error of the expected age under softmax(logits)."""

    def __init__(self, ages: np.ndarray, name: str = "mae", **kw):
        super().__init__(name=name, **kw)
        self.ages = tf.constant(np.asarray(ages, dtype=np.float32))
        self.total = self.add_variable((), initializer="zeros", name="total")
        self.count = self.add_variable((), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        expected = tf.reduce_sum(tf.nn.softmax(y_pred, axis=1) * self.ages[None, :], axis=1)
        err = tf.abs(expected - tf.reshape(tf.cast(y_true, tf.float32), (-1,)))
        self.total.assign_add(tf.reduce_sum(err))
        self.count.assign_add(tf.cast(tf.size(err), tf.float32))

    def result(self):
        return self.total / tf.maximum(self.count, 1.0)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)
