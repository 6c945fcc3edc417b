import { fromBase64, fromUtf8, isLowerHex, type Bytes } from './bytes';
import { CryptoFormatError } from './errors';

/**
 * Strict reading and writing of the JSON forms of crypto structures (src/MedLedger.Crypto/StrictJson.cs).
 * JSON.parse cannot be used for reading: it keeps the last of duplicate members and turns numbers into
 * doubles, so "1e0", "1.0" and 9007199254740993 would be silently normalised. This parser keeps every
 * member in order and each number's raw text.
 */
export type JsonValue =
  | { kind: 'object'; members: [string, JsonValue][] }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; raw: string }
  | { kind: 'literal'; value: true | false | null };

const MAX_DEPTH = 8;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.value(0);
    this.whitespace();
    if (this.pos !== this.text.length) this.fail('trailing characters');
    return value;
  }

  private fail(why: string): never {
    throw new CryptoFormatError(`Malformed JSON: ${why} at ${this.pos}.`);
  }

  private whitespace(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else return;
    }
  }

  private value(depth: number): JsonValue {
    this.whitespace();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return { kind: 'string', value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: 'literal', value };
      }
    }
    return this.fail('unexpected character');
  }

  private object(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.pos++; // '{'
    const members: [string, JsonValue][] = [];
    this.whitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', members };
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a member name');
      const name = this.string();
      this.whitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      members.push([name, this.value(depth)]);
      this.whitespace();
      const c = this.text[this.pos++];
      if (c === '}') return { kind: 'object', members };
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.pos++; // '['
    const items: JsonValue[] = [];
    this.whitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.whitespace();
      const c = this.text[this.pos++];
      if (c === ']') return { kind: 'array', items };
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') break;
      if (c < ' ') this.fail('control character in string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = this.text.substr(this.pos, 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default: this.fail('bad escape');
      }
    }
    // A lone surrogate (only possible through \u escapes) is not text; .NET refuses it when reading the string.
    if (LONE_SURROGATE.test(out)) this.fail('string is not well-formed UTF-16');
    return out;
  }

  private number(): JsonValue {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail('bad number');
    this.pos += match[0].length;
    return { kind: 'number', raw: match[0] };
  }
}

/** Parses UTF-8 bytes (must be valid UTF-8) or a string into a JsonValue tree. */
export function parseStrictJson(input: string | Bytes): JsonValue {
  const text = typeof input === 'string' ? input : fromUtf8(input);
  return new Parser(text).parseDocument();
}

/** An object with exactly the given members, each once: returns them by name. */
export function requireMembers(value: JsonValue, what: string, ...names: string[]): Map<string, JsonValue> {
  if (value.kind !== 'object') throw new CryptoFormatError(`${what} must be a JSON object.`);
  const seen = new Map<string, JsonValue>();
  for (const [name, member] of value.members) {
    if (!names.includes(name)) throw new CryptoFormatError(`${what} has an unknown member '${name}'.`);
    if (seen.has(name)) throw new CryptoFormatError(`${what} repeats member '${name}'.`);
    seen.set(name, member);
  }
  if (seen.size !== names.length) throw new CryptoFormatError(`${what} lacks a member; expected ${names.join(', ')}.`);
  return seen;
}

function member(obj: Map<string, JsonValue>, name: string): JsonValue {
  const v = obj.get(name);
  if (!v) throw new CryptoFormatError(`'${name}' is missing.`);
  return v;
}

export function jsonString(obj: Map<string, JsonValue>, name: string): string {
  const v = member(obj, name);
  if (v.kind !== 'string') throw new CryptoFormatError(`'${name}' must be a string.`);
  return v.value;
}

/** A plain JSON integer as .NET writes it (no fraction, exponent, '-0' or leading zeros), within the int64 range. */
export function jsonInt64(obj: Map<string, JsonValue>, name: string): bigint {
  const v = member(obj, name);
  if (v.kind !== 'number' || !/^(0|-?[1-9][0-9]*)$/.test(v.raw)) throw new CryptoFormatError(`'${name}' must be a plain integer.`);
  const n = BigInt(v.raw);
  if (n < -(1n << 63n) || n >= 1n << 63n) throw new CryptoFormatError(`'${name}' must be a plain integer.`);
  return n;
}

/** jsonInt64 restricted to the range a JavaScript number holds exactly. */
export function jsonSafeInteger(obj: Map<string, JsonValue>, name: string): number {
  const n = jsonInt64(obj, name);
  if (n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CryptoFormatError(`'${name}' is out of range.`);
  }
  return Number(n);
}

/** Canonical base64 with an exact or minimum decoded length. */
export function jsonBase64(obj: Map<string, JsonValue>, name: string, exactLength?: number, minLength = 0): Bytes {
  const text = jsonString(obj, name);
  let bytes: Bytes;
  try {
    bytes = fromBase64(text);
  } catch {
    throw new CryptoFormatError(`'${name}' is not canonical base64.`);
  }
  if ((exactLength !== undefined && bytes.length !== exactLength) || bytes.length < minLength) {
    throw new CryptoFormatError(`'${name}' has the wrong length (${bytes.length} bytes).`);
  }
  return bytes;
}

export function jsonLowerHex(obj: Map<string, JsonValue>, name: string, byteLength: number): string {
  const text = jsonString(obj, name);
  if (!isLowerHex(text, byteLength)) throw new CryptoFormatError(`'${name}' must be ${byteLength * 2} lower-case hex digits.`);
  return text;
}

export function jsonObject(obj: Map<string, JsonValue>, name: string): JsonValue {
  return member(obj, name);
}

export function jsonArray(obj: Map<string, JsonValue>, name: string): JsonValue[] {
  const v = member(obj, name);
  if (v.kind !== 'array') throw new CryptoFormatError(`'${name}' must be an array.`);
  return v.items;
}

/**
 * Writes a JSON string literal the way System.Text.Json does with UnsafeRelaxedJsonEscaping: '"', '\\'
 * and control characters escaped (short forms for \b \f \n \r \t, else \u00XX upper-case hex), everything
 * else, including non-ASCII and '+', '/', as is.
 */
export function writeJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}
