// Test-only page (crypto-check.html): exposes the crypto and ledger modules to the browser tests
// (test vectors, C# interop) and the app's one date format (ui/dates.ts). No app state, no UI.
import * as crypto from './crypto';
import * as ledger from './ledger';
import * as dates from './ui/dates';

declare global {
  interface Window {
    medledger: { crypto: typeof crypto; ledger: typeof ledger; dates: typeof dates };
  }
}

window.medledger = { crypto, ledger, dates };
document.getElementById('status')!.textContent = 'ready';
