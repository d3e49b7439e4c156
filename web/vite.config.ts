/**
 * Builds the browser app in web/ into dist/web/, which `sluice start` serves.
 * `vite --config web/vite.config.ts` (dev) and `vite preview` proxy /api to a
 * running `sluice start` (SLUICE_API, default http://127.0.0.1:8090); preview
 * sends the same Content-Security-Policy as the server, to catch violations.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const csp = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
const api = process.env.SLUICE_API ?? 'http://127.0.0.1:8090';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // ECharts (core, four chart types, tooltip, legend, SVG renderer) is ~570 kB
    // minified; it is its own chunk, loaded only by pages that draw charts.
    chunkSizeWarningLimit: 700,
  },
  server: { proxy: { '/api': api } },
  preview: { headers: { 'Content-Security-Policy': csp }, proxy: { '/api': api } },
});
