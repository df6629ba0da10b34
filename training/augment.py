"""Training-time augmentation that imitates a room camera: flips, small rotation/shift/scale, light, blur, JPEG."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import tensorflow as tf
from keras import layers


@dataclass(frozen=True)
class AugmentSpec:
    rotation_deg: float = 10.0
    shift: float = 0.06  # fraction of the side
    zoom: float = 0.10  # +- fraction
    brightness: float = 30.0  # +- pixel levels
    contrast: tuple[float, float] = (0.7, 1.3)
    saturation: tuple[float, float] = (0.7, 1.3)
    blur_probability: float = 0.35  # a down-and-up resize: a face seen from further away
    blur_min_scale: float = 0.45
    jpeg_probability: float = 0.3
    jpeg_quality: tuple[int, int] = (35, 95)


def _per_image(spec: AugmentSpec, size: int):
    def fn(image, age, weight):
        image = tf.image.random_flip_left_right(image)
        image = tf.image.random_brightness(image, spec.brightness)
        image = tf.image.random_contrast(image, *spec.contrast)
        image = tf.image.random_saturation(image, *spec.saturation)
        image = tf.clip_by_value(image, 0.0, 255.0)

        def blur(img):
            s = tf.random.uniform((), spec.blur_min_scale, 1.0)
            small = tf.cast(tf.round(s * size), tf.int32)
            img = tf.image.resize(img, (small, small), method="area")
            return tf.image.resize(img, (size, size), method="bilinear")

        image = tf.cond(tf.random.uniform(()) < spec.blur_probability, lambda: blur(image), lambda: image)

        def jpeg(img):
            q = tf.random.uniform((), spec.jpeg_quality[0], spec.jpeg_quality[1] + 1, dtype=tf.int32)
            out = tf.image.adjust_jpeg_quality(tf.cast(tf.round(img), tf.uint8), q)
            return tf.cast(out, tf.float32)

        image = tf.cond(tf.random.uniform(()) < spec.jpeg_probability, lambda: jpeg(image), lambda: image)
        return tf.reshape(image, (size, size, 3)), age, weight
    return fn


def geometric_layers(spec: AugmentSpec, seed: int) -> keras.Sequential:
    return keras.Sequential([
        layers.RandomRotation(spec.rotation_deg / 360.0, fill_mode="reflect", seed=seed),
        layers.RandomTranslation(spec.shift, spec.shift, fill_mode="reflect", seed=seed + 1),
        layers.RandomZoom(spec.zoom, spec.zoom, fill_mode="reflect", seed=seed + 2),
    ], name="geometry")


def train_dataset(crops, ages, weights, *, batch: int, spec: AugmentSpec, seed: int) -> tf.data.Dataset:
    """An endless-per-epoch shuffled, augmented dataset of (float pixels 0..255, age, sample weight)."""
    size = int(crops.shape[1])
    geo = geometric_layers(spec, seed)
    ds = tf.data.Dataset.from_tensor_slices((crops, ages.astype("float32"), weights.astype("float32")))
    ds = ds.shuffle(len(ages), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(lambda x, a, w: (tf.cast(x, tf.float32), a, w))
    ds = ds.map(_per_image(spec, size), num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch, drop_remainder=True)
    ds = ds.map(lambda x, a, w: (tf.clip_by_value(geo(x, training=True), 0.0, 255.0), a, w),
                num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def eval_dataset(crops, ages, *, batch: int) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((crops, ages.astype("float32")))
    return ds.map(lambda x, a: (tf.cast(x, tf.float32), a)).batch(batch).prefetch(tf.data.AUTOTUNE)
