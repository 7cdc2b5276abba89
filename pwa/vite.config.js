// One build: the apps and the API reference (/api/docs). Each app is an HTML entry under its own folder so the server can map
// /driver, /dispatch and /t/<token> to dist/<app>/index.html; shared code lands in hashed chunks
// under /assets/ (served with a one-year cache). The service worker is built by scripts/postbuild.mjs
// because it needs the final list of files to precache.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    manifest: true,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        driver: resolve(import.meta.dirname, 'driver/index.html'),
        dispatch: resolve(import.meta.dirname, 'dispatch/index.html'),
        track: resolve(import.meta.dirname, 'track/index.html'),
        // The landing page at / (first-run sign-up on an empty installation) and the admin screens at /admin.
        home: resolve(import.meta.dirname, 'index.html'),
        admin: resolve(import.meta.dirname, 'admin/index.html'),
        docs: resolve(import.meta.dirname, 'docs/index.html'),
        // The route sheet to print (/print/routes/<id>).
        print: resolve(import.meta.dirname, 'print/index.html'),
      },
    },
  },
});
