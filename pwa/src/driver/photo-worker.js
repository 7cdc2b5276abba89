// Photo compression off the main thread: decoding a 12-megapixel JPEG and encoding it again takes seconds on
// a mid-range phone, during which a main-thread version froze the signature pad under the recipient's finger.
import { shrink } from './photo-shrink.js';

self.addEventListener('message', async ({ data: { id, file, maxBytes } }) => {
  try {
    const image = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const blob = await shrink(image, {
      maxBytes,
      canvasOf: (width, height) => new OffscreenCanvas(width, height),
      encode: (canvas, quality) => canvas.convertToBlob({ type: 'image/jpeg', quality }),
    });
    image.close();
    self.postMessage({ id, blob });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message || error) });
  }
});
