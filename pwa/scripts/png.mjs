// A tiny PNG encoder (RGBA, no filtering) so the app icons are drawn by code at build time.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** pixel(x, y) -> [r, g, b, a] */
export function encodePng(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) {
    const row = y * (size * 4 + 1);
    raw[row] = 0;
    for (let x = 0; x < size; x += 1) {
      const [r, g, b, a] = pixel(x, y);
      raw.set([r, g, b, a], row + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The Lastmile mark: a white map pin on brand green. `safe` shrinks it into the maskable safe zone
 * (the inner 80%) so launchers that crop to a circle keep it whole.
 */
export function drawIcon(size, { safe = false } = {}) {
  const scale = safe ? 0.62 : 0.8;
  const cx = size / 2;
  const headY = size * (0.5 - 0.12 * scale);
  const headR = size * 0.27 * scale;
  const tipY = size * (0.5 + 0.36 * scale);
  const holeR = headR * 0.42;
  return encodePng(size, (x, y) => {
    const px = x + 0.5;
    const py = y + 0.5;
    const green = [11, 61, 46, 255];
    const white = [255, 255, 255, 255];
    const dHead = Math.hypot(px - cx, py - headY);
    if (dHead <= holeR) return green;
    if (dHead <= headR) return white;
    // The pin's point: a triangle from the head's sides down to the tip.
    if (py > headY && py <= tipY) {
      const halfWidth = headR * 0.87 * (1 - (py - headY) / (tipY - headY));
      if (Math.abs(px - cx) <= halfWidth) return white;
    }
    return green;
  });
}
