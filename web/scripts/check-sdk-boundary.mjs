// Build guard (run by `npm run build`): pages talk to the server only through web/src/sdk, never through the
// HTTP client (src/app/http.ts) or fetch/XMLHttpRequest themselves, so every API call has one home that mirrors the
// C# SDK (src/MedLedger.Client). From app/http a page may import types and ApiProblem (to show an error), nothing else.
// Usage: node scripts/check-sdk-boundary.mjs [root…]; the roots default to src/features and src/ui.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const httpModule = join(web, 'src', 'app', 'http');
const roots = process.argv.length > 2 ? process.argv.slice(2).map((r) => resolve(r)) : [join(web, 'src', 'features'), join(web, 'src', 'ui')];
const ALLOWED_VALUES = new Set(['ApiProblem']);
// An import/export clause: `type`?, a default name?, then `{ names }`, `* as ns`, `*` or a default name.
const CLAUSE = /(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*\s*as\s+[\w$]+|\*|[\w$]+)/.source;
const FROM = new RegExp(`\\b(?:import|export)\\s+(${CLAUSE})\\s*from\\s*['"]([^'"]+)['"]`, 'g');

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(name)) yield path;
  }
}

const lineOf = (text, index) => text.slice(0, index).split('\n').length;

// Comments are blanked (same length, newlines kept) so a commented-out call neither counts nor shifts line numbers.
const withoutComments = (text) => text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));

/** What an import/export clause takes from app/http that a page may not have (empty when only types and ApiProblem). */
function forbiddenNames(clause) {
  if (/^type\s/.test(clause)) return [];
  const named = /\{([^}]*)\}/.exec(clause);
  const outside = clause.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
  const bad = outside ? [outside] : []; // a default or namespace import takes the whole client
  for (const spec of named ? named[1].split(',') : []) {
    const name = spec.trim();
    if (name && !name.startsWith('type ') && !ALLOWED_VALUES.has(name.split(/\s+as\s+/)[0])) bad.push(name);
  }
  return bad;
}

const offenders = [];
for (const root of roots) {
  for (const file of sources(root)) {
    const text = withoutComments(readFileSync(file, 'utf8'));
    const where = (index) => `${relative(web, file)}:${lineOf(text, index)}`;
    const isHttp = (spec) => spec.startsWith('.') && resolve(dirname(file), spec).replace(/\.tsx?$/, '') === httpModule;
    for (const m of text.matchAll(FROM)) {
      if (!isHttp(m[2])) continue;
      const bad = forbiddenNames(m[1].replace(/\s+/g, ' ').trim());
      if (bad.length) offenders.push(`${where(m.index)}: imports ${bad.join(', ')} from app/http`);
    }
    for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+['"]([^'"]+)['"]/g)) {
      if (isHttp(m[1] ?? m[2])) offenders.push(`${where(m.index)}: imports app/http`);
    }
    for (const m of text.matchAll(/(?<![\w.$])(?:window\.|globalThis\.)?(fetch\s*\(|XMLHttpRequest\b)/g)) {
      offenders.push(`${where(m.index)}: calls ${m[1].replace(/\s*\($/, '')} directly`);
    }
  }
}

if (offenders.length) {
  console.error('Pages must call the server through web/src/sdk (add or extend a module there):');
  for (const o of offenders) console.error(`  ${o}`);
  process.exit(1);
}
console.log(`sdk boundary: ${roots.map((r) => relative(web, r)).join(', ')} call the server only through src/sdk`);
