import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the API runs on its own port (`pnpm -F @aae/server dev`); Vite forwards to it.
const apiOrigin = process.env.API_ORIGIN ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/trpc': { target: apiOrigin, changeOrigin: false } } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
