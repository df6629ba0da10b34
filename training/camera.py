"""Augmentation that imitates a room camera and other cameras (flips, small rotation/shift/zoom, light, colour casts,
blur, noise, JPEG), in NumPy and OpenCV: training batches, and degraded test faces for training/evaluate --degrade."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


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
    # Other cameras (issue 22): off by default, so that a recipe that does not ask for them trains as before.
    gaussian_blur_probability: float = 0.0  # defocus: a Gaussian blur, sigma 0.5-1.5 px at 64 px
    noise_probability: float = 0.0  # sensor noise: Gaussian, sigma 2-10 levels
    cast_probability: float = 0.0  # white balance: per-channel gains 0.85-1.15
    low_light_probability: float = 0.0  # a dim room: levels x 0.35-0.75, gamma 1.1-1.6, then noise sigma 4-12

    @classmethod
    def cameras(cls) -> AugmentSpec:
        """The other-camera recipe: everything above plus defocus, noise, colour casts and low light, a resolution
        drop more often and framing jitter as wide as YuNet's box varies (shift 8 %, zoom 12 %)."""
        return cls(shift=0.08, zoom=0.12, blur_probability=0.45, blur_min_scale=0.35, jpeg_probability=0.45,
                   jpeg_quality=(25, 95), gaussian_blur_probability=0.2, noise_probability=0.3, cast_probability=0.3,
                   low_light_probability=0.15)

    def describe(self) -> str:
        return (f"flip, rotation {self.rotation_deg:g} deg, shift {self.shift * 100:g} %, zoom {self.zoom * 100:g} %, "
                f"brightness +-{self.brightness:g}, contrast {self.contrast[0]:g}-{self.contrast[1]:g}, "
                f"saturation {self.saturation[0]:g}-{self.saturation[1]:g}, down-up resize blur "
                f"(p {self.blur_probability:g}), JPEG quality {self.jpeg_quality[0]}-{self.jpeg_quality[1]} "
                f"(p {self.jpeg_probability:g})"
                + (f", Gaussian blur (p {self.gaussian_blur_probability:g}), sensor noise (p {self.noise_probability:g}), "
                   f"colour cast (p {self.cast_probability:g}), low light (p {self.low_light_probability:g})"
                   if self.gaussian_blur_probability or self.noise_probability or self.cast_probability
                   or self.low_light_probability else ""))


_GREY = np.array([0.299, 0.587, 0.114])


def colour_matrix(mean: np.ndarray, brightness: float, contrast: float, saturation: float) -> np.ndarray:
    """The 3x4 affine map of RGB values that adds brightness, scales contrast about the image's mean colour and
    blends with grey for saturation (in that order; one cv2.transform applies it)."""
    # contrast about the brightened mean: y = c * (x - m) + m + b
    linear = contrast * np.eye(3)
    offset = (1.0 - contrast) * mean + brightness
    # saturation: z = g + s * (y - g), g = grey(y) = w . y
    blend = saturation * np.eye(3) + (1.0 - saturation) * np.outer(np.ones(3), _GREY)
    return np.hstack([blend @ linear, (blend @ offset)[:, None]])


def augment_batch(images: np.ndarray, rng: np.random.Generator, spec: AugmentSpec) -> np.ndarray:
    """uint8 (n, size, size, 3) RGB crops -> augmented float32 copies with values in 0..255.

    Every step stays in uint8 (saturating), as a camera's pixels would; OpenCV does each one."""
    n, size = len(images), images.shape[1]
    flip = rng.random(n) < 0.5
    brightness = rng.uniform(-spec.brightness, spec.brightness, n)
    contrast = rng.uniform(*spec.contrast, n)
    saturation = rng.uniform(*spec.saturation, n)
    blur = rng.random(n) < spec.blur_probability
    blur_scale = rng.uniform(spec.blur_min_scale, 1.0, n)
    jpeg = rng.random(n) < spec.jpeg_probability
    quality = rng.integers(spec.jpeg_quality[0], spec.jpeg_quality[1] + 1, n)
    scale = 1.0 + rng.uniform(-spec.zoom, spec.zoom, n)
    angle = rng.uniform(-spec.rotation_deg, spec.rotation_deg, n)
    shift = rng.uniform(-spec.shift, spec.shift, (n, 2)) * size
    gblur = rng.random(n) < spec.gaussian_blur_probability
    gsigma = rng.uniform(0.5, 1.5, n) * size / 64.0
    noise = rng.random(n) < spec.noise_probability
    noise_sigma = rng.uniform(2.0, 10.0, n)
    cast = rng.random(n) < spec.cast_probability
    gains = rng.uniform(0.85, 1.15, (n, 3))
    dim = rng.random(n) < spec.low_light_probability
    dim_level = rng.uniform(0.35, 0.75, n)
    dim_gamma = rng.uniform(1.1, 1.6, n)
    dim_noise = rng.uniform(4.0, 12.0, n)
    out = np.empty((n, size, size, 3), np.float32)
    for i in range(n):
        image = cv2.flip(images[i], 1) if flip[i] else images[i]
        mean = np.array(cv2.mean(image)[:3])
        image = cv2.transform(image, colour_matrix(mean, brightness[i], contrast[i], saturation[i]))
        if cast[i]:
            image = cv2.transform(image, np.hstack([np.diag(gains[i]), np.zeros((3, 1))]))
        if dim[i]:
            lut = np.clip(255.0 * dim_level[i] * (np.arange(256) / 255.0) ** dim_gamma[i], 0, 255).astype(np.uint8)
            image = cv2.LUT(image, lut)
        if gblur[i]:
            image = cv2.GaussianBlur(image, (0, 0), float(gsigma[i]))
        if noise[i] or dim[i]:
            sigma = max(noise_sigma[i] if noise[i] else 0.0, dim_noise[i] if dim[i] else 0.0)
            grain = rng.normal(0.0, sigma, image.shape)
            image = np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)
        if blur[i]:
            small = max(2, int(round(blur_scale[i] * size)))
            image = cv2.resize(cv2.resize(image, (small, small), interpolation=cv2.INTER_AREA), (size, size),
                               interpolation=cv2.INTER_LINEAR)
        if jpeg[i]:
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, int(quality[i])])
            if not ok:
                raise RuntimeError("OpenCV could not JPEG-encode an augmented crop")
            image = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        # Geometry last: one affine warp for rotation, zoom and shift, reflecting at the border.
        matrix = cv2.getRotationMatrix2D((size / 2.0, size / 2.0), float(angle[i]), float(scale[i]))
        matrix[:, 2] += shift[i]
        out[i] = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT_101).reshape(size, size, 3)
    return out
