// Test-only page (crypto-check.html): exposes the crypto and ledger modules to the browser tests
// (test vectors, C# interop). No app state, no UI.
import * as crypto from './crypto';
import * as ledger from './ledger';

declare global {
  interface Window {
    medledger: { crypto: typeof crypto; ledger: typeof ledger };
  }
}

window.medledger = { crypto, ledger };
document.getElementById('status')!.textContent = 'ready';
