// Continuous barcode scanning from the phone's rear camera, loaded only when a driver opens the scanner
// (the first screen stays light). A few frames a second are read by the browser's own BarcodeDetector
// where it has one, else by the ZXing WebAssembly reader in a worker (scan-worker.js) so the screen never
// stalls. A label stays in view for many frames: each code is reported once per camera session.

// Between two reads: ~6 a second finds a label as soon as it is held still, without heating the phone.
const SAMPLE_MS = 160;
// A frame's longest side when handed to the WebAssembly reader: labels read well at this size, and a
// 4K camera frame would cost four times the time for nothing.
const MAX_SIDE = 1280;
const NATIVE_FORMATS = ['code_128', 'code_39', 'code_93', 'codabar', 'itf', 'ean_13', 'ean_8', 'upc_a', 'upc_e',
  'qr_code', 'data_matrix', 'pdf417', 'aztec'];

/** Why the camera did not open, as the screen words it. */
function failureKind(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'failed';
  }
}

async function nativeReader() {
  const Detector = globalThis.BarcodeDetector;
  if (!Detector) return null;
  try {
    const supported = await Detector.getSupportedFormats();
    const formats = NATIVE_FORMATS.filter((format) => supported.includes(format));
    if (!formats.length) return null; // present but unable to read anything (some desktop builds)
    const detector = new Detector({ formats });
    return {
      kind: 'native',
      read: async (video) => (await detector.detect(video)).map((code) => code.rawValue).filter(Boolean),
      close() {},
    };
  } catch {
    return null;
  }
}

function wasmReader() {
  const worker = new Worker(new URL('./scan-worker.js', import.meta.url), { type: 'module' });
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  const waiting = new Map();
  let nextId = 0;
  let broken = null;
  const failAll = (message) => {
    broken = new Error(message);
    for (const job of waiting.values()) job.reject(broken);
    waiting.clear();
  };
  worker.addEventListener('message', ({ data }) => {
    const job = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error) job?.reject(Object.assign(new Error(data.error), { decoder: true }));
    else job?.resolve(data.codes);
  });
  // The worker's script or its .wasm did not load (offline before the scanner was ever used).
  worker.addEventListener('error', (event) => { event.preventDefault?.(); failAll('scanner not loaded'); });
  return {
    kind: 'wasm',
    read(video) {
      if (broken) return Promise.reject(broken);
      const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const id = (nextId += 1);
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, image }, [image.data.buffer]);
      });
    },
    close() {
      worker.terminate();
      failAll('closed');
    },
  };
}

let audio = null;

/** Made on the driver's tap: browsers let a page play sound only after the person touched it. */
export function prepareSound() {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null; // no WebAudio: the vibration (or nothing) tells the read
  }
}

function tone(frequency, startIn, seconds) {
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.type = 'square';
  oscillator.frequency.value = frequency;
  const start = audio.currentTime + startIn;
  gain.gain.setValueAtTime(0.15, start);
  gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(start);
  oscillator.stop(start + seconds);
}

/** One high beep for a parcel that counts, two low ones for a code that does not belong here. */
export function signal(good) {
  if (audio) {
    try {
      if (good) tone(1760, 0, 0.09);
      else {
        tone(330, 0, 0.14);
        tone(330, 0.2, 0.14);
      }
    } catch {
      // A closed audio context: the vibration still tells.
    }
  }
  navigator.vibrate?.(good ? 60 : [120, 80, 120]);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * The camera and its reading loop. onCode(code) is called once per new code and answers whether it counted
 * (true) or not (false: unknown here) — the beep says which; onState(status, detail) follows the camera:
 * starting -> preparing (camera on, reader loading) -> running, or denied/missing/busy/failed/decoder, then off.
 */
export class CameraScanner {
  constructor({ video, onCode, onState }) {
    this.video = video;
    this.onCode = onCode;
    this.onState = onState;
    this.seen = new Set();
    this.running = false;
    this.stream = null;
    this.reader = null;
  }

  async start() {
    this.running = true;
    this.onState('starting');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      this.running = false;
      this.onState(failureKind(error));
      return;
    }
    if (!this.running) { // stopped while the phone asked for permission
      this.release();
      return;
    }
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.setAttribute('playsinline', '');
    try {
      await this.video.play();
    } catch {
      // Autoplay of a muted inline video is allowed; a refusal here still leaves frames to read.
    }
    this.reader = (await nativeReader()) || wasmReader();
    this.onState('preparing', { decoder: this.reader.kind });
    this.loop();
  }

  async loop() {
    let ready = false;
    while (this.running) {
      const started = performance.now();
      if (!this.video.isConnected || document.hidden) { // the screen changed, or the app went to the background
        this.stop();
        return;
      }
      if (this.video.readyState >= 2 && this.video.videoWidth) {
        let codes = [];
        try {
          codes = await this.reader.read(this.video);
        } catch {
          if (!this.running) return;
          this.stop('decoder');
          return;
        }
        if (!ready && this.running) {
          ready = true;
          this.onState('running', { decoder: this.reader.kind });
        }
        for (const code of codes) {
          if (!this.running || this.seen.has(code)) continue;
          this.seen.add(code);
          signal(await this.onCode(code));
        }
      }
      await sleep(Math.max(20, SAMPLE_MS - (performance.now() - started)));
    }
  }

  release() {
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    if (this.video) this.video.srcObject = null;
    this.reader?.close();
    this.reader = null;
  }

  /** Turns the camera off (its light goes out at once); `status` says why when it is not the driver's choice. */
  stop(status = 'off') {
    if (!this.running && !this.stream) return;
    this.running = false;
    this.release();
    this.onState(status);
  }
}
