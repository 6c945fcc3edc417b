// Build-time settings Vite substitutes (import.meta.env); docs/web.md lists them.
interface ImportMetaEnv {
  /** A pinned ledger consortium, JSON shaped like GET /api/ledger/consortium (docs/web.md). */
  readonly VITE_LEDGER_CONSORTIUM?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
