"""Development-time script that writes the vision assets from scikit-image's public-domain photos (not run on the device).

Usage: python device/assets/make_assets.py   (needs scikit-image; the runtime does not)
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
FRAME_W, FRAME_H = 640, 480
JPEG_QUALITY = 80

# The listener walks in from the left, stays and leaves: (x of the pasted head-and-shoulders, or None for empty).
DEMO_SEQUENCE = [None, None, 40, 150, 200, 210, 220, 215, None, None]


def letterbox(image: np.ndarray, width: int = FRAME_W, height: int = FRAME_H) -> np.ndarray:
    """Fit an image into width x height, centred on black."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    resized = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    out = np.zeros((height, width, 3), dtype=np.uint8)
    y0, x0 = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    out[y0:y0 + resized.shape[0], x0:x0 + resized.shape[1]] = resized
    return out


def cover(image: np.ndarray, width: int = FRAME_W, height: int = FRAME_H) -> np.ndarray:
    """Scale an image to cover width x height and cut the centre."""
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    resized = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    y0, x0 = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[y0:y0 + height, x0:x0 + width])


def paste_feathered(room: np.ndarray, person: np.ndarray, x: int, y: int) -> np.ndarray:
    """Blend `person` into `room` at (x, y) through a soft elliptical mask."""
    h, w = person.shape[:2]
    mask = np.zeros((h, w), dtype=np.float32)
    cv2.ellipse(mask, (w // 2, h // 2 + h // 8), (int(w * 0.45), int(h * 0.6)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=w * 0.05)[..., None]
    out = room.astype(np.float32)
    region = out[y:y + h, x:x + w]
    out[y:y + h, x:x + w] = region * (1 - mask) + person.astype(np.float32) * mask
    return np.clip(out, 0, 255).astype(np.uint8)


def save(path: Path, rgb: np.ndarray, quality: int = JPEG_QUALITY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    print(f"{path.relative_to(HERE)}: {path.stat().st_size // 1024} KB")


def main() -> None:
    import skimage.data

    astronaut, coffee = skimage.data.astronaut(), skimage.data.coffee()
    save(HERE / "astronaut_640x480.jpg", letterbox(astronaut), quality=90)  # the benchmark photo
    save(HERE / "coffee.jpg", coffee)

    room = letterbox(coffee)  # covering the frame instead upscales a spot the cascade mistakes for a face
    person = cv2.resize(astronaut[0:330, 90:370], (224, 264), interpolation=cv2.INTER_AREA)
    for old in (HERE / "demo").glob("*.jpg"):
        old.unlink()
    for index, x in enumerate(DEMO_SEQUENCE):
        frame = room if x is None else paste_feathered(room, person, x, FRAME_H - person.shape[0] - 60)
        kind = "empty" if x is None else "listener"
        save(HERE / "demo" / f"{index:02d}-{kind}.jpg", frame)


if __name__ == "__main__":
    main()
