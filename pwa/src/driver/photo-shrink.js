// How a camera photo (3–8 MB) becomes a proof photo (~300 KB): shrink the longest side, then lower the JPEG
// quality until it fits; shrink again if the lowest quality is still too big. Shared by the worker (with an
// OffscreenCanvas) and the main-thread fallback (with a <canvas>): only the canvas differs.

export const MAX_PHOTO_BYTES = 300 * 1024;
const QUALITIES = [0.82, 0.72, 0.62, 0.52, 0.42];

/**
 * `image` is a decoded bitmap; `canvasOf(width, height)` gives a canvas; `encode(canvas, quality)` a JPEG blob.
 */
export async function shrink(image, { maxBytes = MAX_PHOTO_BYTES, canvasOf, encode }) {
  const { width, height } = image;
  let longest = Math.min(1600, Math.max(width, height));
  let blob = null;
  for (let round = 0; round < 5; round += 1) {
    const scale = longest / Math.max(width, height);
    const canvas = canvasOf(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
    canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
    for (const quality of QUALITIES) {
      blob = await encode(canvas, quality);
      if (blob && blob.size <= maxBytes) return blob;
    }
    longest = Math.round(longest * 0.7);
  }
  return blob;
}
