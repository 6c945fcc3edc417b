import { defineConfig } from 'vite';

// Everything the browser needs is bundled and served by `medledger serve`; nothing loads from a CDN.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        main: 'index.html',
        // Exposes the crypto and ledger modules to the browser tests (vectors, C# interop); no app state.
        cryptoCheck: 'crypto-check.html',
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:5080', '/hubs': { target: 'ws://127.0.0.1:5080', ws: true } },
  },
});
