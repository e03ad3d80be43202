import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the API runs on its own port (`pnpm -F @aae/server dev`); Vite forwards to it.
const apiOrigin = process.env.API_ORIGIN ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': { target: apiOrigin, changeOrigin: false },
      // Sign-in (`/api/auth`) and downloads. better-auth accepts a signed-in POST only from its own
      // origin, so the forwarded request says it comes from there, as it would in production.
      '/api': {
        target: apiOrigin,
        changeOrigin: false,
        configure: (proxy) => proxy.on('proxyReq', (request) => request.setHeader('origin', apiOrigin)),
      },
    },
  },
  // The shared live worker is a module worker (`new SharedWorker(…, { type: 'module' })`).
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
