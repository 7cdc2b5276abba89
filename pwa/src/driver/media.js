// Photos, signatures and barcodes on the phone.
import { MAX_PHOTO_BYTES, shrink } from './photo-shrink.js';

function canvasToBlob(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

async function decode(file) {
  if (globalThis.createImageBitmap) {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      // Fall through to <img>, which some browsers decode where createImageBitmap cannot.
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function compressHere(file, maxBytes) {
  const image = await decode(file);
  return shrink(image, {
    maxBytes,
    canvasOf: (width, height) => Object.assign(document.createElement('canvas'), { width, height }),
    encode: (canvas, quality) => canvasToBlob(canvas, 'image/jpeg', quality),
  });
}

// One worker for the app's life, made on first use; null once it failed (then the main thread does it).
let worker;
let nextId = 0;
const waiting = new Map();

function photoWorker() {
  if (worker !== undefined) return worker;
  worker = null;
  if (typeof OffscreenCanvas === 'undefined' || typeof Worker === 'undefined'
    || !('convertToBlob' in OffscreenCanvas.prototype)) return worker;
  try {
    worker = new Worker(new URL('./photo-worker.js', import.meta.url), { type: 'module' });
  } catch {
    return worker;
  }
  worker.addEventListener('message', ({ data }) => {
    const job = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error) job?.reject(new Error(data.error));
    else job?.resolve(data.blob);
  });
  worker.addEventListener('error', () => {
    // The script did not load (offline before it was ever cached): the main thread takes over.
    worker = null;
    for (const job of waiting.values()) job.fallback();
    waiting.clear();
  });
  return worker;
}

/** Get the worker ready before the driver takes a photo (the form is open), so the first one is quick too. */
export function warmUpPhotoWorker() {
  photoWorker();
}

/**
 * A camera photo is 3–8 MB; the proof needs ~300 KB. Compressed in a worker with an OffscreenCanvas, so the
 * screen stays responsive; on the main thread where the browser has no OffscreenCanvas.
 */
export function compressPhoto(file, maxBytes = MAX_PHOTO_BYTES) {
  const running = photoWorker();
  if (!running) return compressHere(file, maxBytes);
  return new Promise((resolve, reject) => {
    const id = (nextId += 1);
    waiting.set(id, { resolve, reject, fallback: () => compressHere(file, maxBytes).then(resolve, reject) });
    running.postMessage({ id, file, maxBytes });
  });
}

/** Read barcodes from a photo where the browser has BarcodeDetector; null means "type it". */
export async function detectBarcodes(file) {
  if (!('BarcodeDetector' in globalThis)) return null;
  try {
    const detector = new globalThis.BarcodeDetector();
    const image = await decode(file);
    const codes = await detector.detect(image);
    return codes.map((code) => code.rawValue).filter(Boolean);
  } catch {
    return null;
  }
}

export const canScanBarcodes = () => 'BarcodeDetector' in globalThis;

/** A finger-drawn signature on a canvas (pointer events cover touch, pen and mouse). */
export class SignaturePad {
  constructor(canvas) {
    this.canvas = canvas;
    this.strokes = 0;
    this.drawing = false;
    this.resize();
    canvas.addEventListener('pointerdown', (event) => this.begin(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    for (const name of ['pointerup', 'pointercancel', 'pointerleave']) canvas.addEventListener(name, () => this.end());
  }

  resize() {
    const ratio = globalThis.devicePixelRatio || 1;
    const rect = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.max(1, Math.round(rect.width * ratio));
    this.canvas.height = Math.max(1, Math.round(rect.height * ratio));
    const context = this.canvas.getContext('2d');
    context.scale(ratio, ratio);
    context.lineWidth = 2.5;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.strokeStyle = '#111';
    this.context = context;
    this.strokes = 0;
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  begin(event) {
    event.preventDefault();
    this.canvas.setPointerCapture?.(event.pointerId);
    this.drawing = true;
    const { x, y } = this.point(event);
    this.context.beginPath();
    this.context.moveTo(x, y);
    this.context.lineTo(x + 0.1, y + 0.1);
    this.context.stroke();
  }

  move(event) {
    if (!this.drawing) return;
    event.preventDefault();
    const { x, y } = this.point(event);
    this.context.lineTo(x, y);
    this.context.stroke();
  }

  end() {
    if (!this.drawing) return;
    this.drawing = false;
    this.strokes += 1;
    this.canvas.dispatchEvent(new CustomEvent('signature-change', { bubbles: true }));
  }

  isEmpty() {
    return this.strokes === 0;
  }

  clear() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.strokes = 0;
    this.canvas.dispatchEvent(new CustomEvent('signature-change', { bubbles: true }));
  }

  /** White background PNG: a transparent one looks blank in many viewers. */
  async toBlob() {
    const copy = document.createElement('canvas');
    copy.width = this.canvas.width;
    copy.height = this.canvas.height;
    const context = copy.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, copy.width, copy.height);
    context.drawImage(this.canvas, 0, 0);
    return canvasToBlob(copy, 'image/png');
  }
}
