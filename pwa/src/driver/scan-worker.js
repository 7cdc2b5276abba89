// The WebAssembly barcode reader (ZXing-C++ built for the web), for browsers without BarcodeDetector.
// It runs in this worker so decoding a camera frame never stalls the screen, and its ~1 MB .wasm is
// served by us (never a CDN: the app's Content-Security-Policy allows this origin only) and fetched
// only when a driver first opens the camera scanner.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

prepareZXingModule({
  overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? new URL(wasmUrl, self.location.origin).href : prefix + path) },
});

// Parcel labels are linear codes (Code 128 above all) or 2D codes (QR, Data Matrix, PDF417 on carrier labels).
const OPTIONS = {
  formats: ['Code128', 'Code39', 'Code93', 'Codabar', 'ITF', 'EAN13', 'EAN8', 'UPCA', 'UPCE', 'QRCode', 'DataMatrix',
    'PDF417', 'Aztec'],
  tryHarder: true,
  maxNumberOfSymbols: 8,
};

self.addEventListener('message', async ({ data }) => {
  try {
    const results = await readBarcodes(data.image, OPTIONS);
    self.postMessage({ id: data.id, codes: results.filter((result) => result.isValid && result.text).map((result) => result.text) });
  } catch (error) {
    self.postMessage({ id: data.id, error: String(error?.message || error) });
  }
});
