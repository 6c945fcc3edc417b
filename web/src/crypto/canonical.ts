import { concatBytes, utf8, type Bytes } from './bytes';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function u32be(n: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/**
 * The one deterministic encoding MedLedger hashes and signs (docs/crypto-format.md section 2): a domain tag,
 * then fields in a fixed order, each length-prefixed, so the encoding is injective without escaping.
 * Mirrors src/MedLedger.Crypto/CanonicalWriter.cs byte for byte.
 */
export class CanonicalWriter {
  private readonly parts: Bytes[] = [];

  constructor(domainTag: string) {
    if (!domainTag) throw new Error('A canonical structure needs a domain tag.');
    this.string(domainTag);
  }

  /** u32be(len(utf8)) || utf8; the string is encoded as given (NFC is the caller's job). */
  string(value: string): this {
    const bytes = utf8(value);
    this.parts.push(u32be(bytes.length), bytes);
    return this;
  }

  bytes(value: Bytes): this {
    this.parts.push(u32be(value.length), new Uint8Array(value));
    return this;
  }

  /** 8 bytes big-endian two's complement; bigint keeps the full 64-bit range exact. */
  int64(value: bigint | number): this {
    const v = typeof value === 'bigint' ? value : BigInt(checkSafeInteger(value));
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError('Value does not fit in an int64.');
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, v, false);
    this.parts.push(out);
    return this;
  }

  bool(value: boolean): this {
    this.parts.push(Uint8Array.of(value ? 1 : 0));
    return this;
  }

  optionalString(value: string | null | undefined): this {
    return value == null ? this.bool(false) : this.bool(true).string(value);
  }

  optionalBytes(value: Bytes | null | undefined): this {
    return value == null ? this.bool(false) : this.bool(true).bytes(value);
  }

  /** u32be(count), then each element as a string. */
  stringList(values: readonly string[]): this {
    this.parts.push(u32be(values.length));
    for (const v of values) this.string(v);
    return this;
  }

  toBytes(): Bytes {
    return concatBytes(...this.parts);
  }
}

function checkSafeInteger(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError('int64 fields take a safe integer or a bigint.');
  return n;
}

/** Thrown by CanonicalReader for truncated or trailing input (the C# reader's FormatException). */
export class CanonicalFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalFormatError';
  }
}

const lenientDecoder = new TextDecoder('utf-8');

/** Reads what CanonicalWriter writes (the ledger's CanonicalReader); strings decode like .NET's Encoding.UTF8. */
export class CanonicalReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly data: Bytes) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  string(): string {
    return lenientDecoder.decode(this.chunk());
  }

  bytes(): Bytes {
    return new Uint8Array(this.chunk());
  }

  int64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, false);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1);
    const b = this.data[this.pos++];
    if (b === 0) return false;
    if (b === 1) return true;
    throw new CanonicalFormatError('bad bool');
  }

  end(): void {
    if (this.pos !== this.data.length) throw new CanonicalFormatError('trailing bytes');
  }

  private chunk(): Bytes {
    this.need(4);
    const len = this.view.getUint32(this.pos, false);
    this.pos += 4;
    if (len > 0x7fffffff) throw new CanonicalFormatError('length out of range');
    this.need(len);
    const s = this.data.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  private need(n: number): void {
    if (this.data.length - this.pos < n) throw new CanonicalFormatError('truncated canonical encoding');
  }
}
