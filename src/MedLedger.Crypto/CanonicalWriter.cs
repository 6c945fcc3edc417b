using System.Buffers.Binary;
using System.Text;

namespace MedLedger.Crypto;

/// <summary>
/// The one deterministic encoding used for everything MedLedger hashes or signs
/// (docs/crypto-format.md, "Canonical encoding"). A structure is encoded as its
/// domain tag followed by its fields in a fixed, documented order:
/// <list type="bullet">
/// <item>tag / string: u32 big-endian byte length, then UTF-8 bytes (NFC is the caller's job; we never normalise)</item>
/// <item>bytes: u32 big-endian length, then the bytes</item>
/// <item>int64: 8 bytes big-endian two's complement</item>
/// <item>bool: one byte 0x00 or 0x01</item>
/// <item>optional field: one byte 0x00 (absent) or 0x01 followed by the value</item>
/// </list>
/// Length prefixes make every encoding unambiguous without escaping, and the format is
/// trivial to reproduce with a DataView in a browser.
/// </summary>
public sealed class CanonicalWriter
{
    private readonly ArrayBufferWriterLite _buffer = new();

    public CanonicalWriter(string domainTag)
    {
        ArgumentException.ThrowIfNullOrEmpty(domainTag);
        String(domainTag);
    }

    public CanonicalWriter String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var span = _buffer.GetSpan(4 + byteCount);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)byteCount);
        Encoding.UTF8.GetBytes(value, span[4..]);
        _buffer.Advance(4 + byteCount);
        return this;
    }

    public CanonicalWriter Bytes(ReadOnlySpan<byte> value)
    {
        var span = _buffer.GetSpan(4 + value.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)value.Length);
        value.CopyTo(span[4..]);
        _buffer.Advance(4 + value.Length);
        return this;
    }

    public CanonicalWriter Int64(long value)
    {
        var span = _buffer.GetSpan(8);
        BinaryPrimitives.WriteInt64BigEndian(span, value);
        _buffer.Advance(8);
        return this;
    }

    public CanonicalWriter Bool(bool value)
    {
        var span = _buffer.GetSpan(1);
        span[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
        return this;
    }

    public CanonicalWriter OptionalString(string? value) =>
        value is null ? Bool(false) : Bool(true).String(value);

    public CanonicalWriter OptionalBytes(byte[]? value) =>
        value is null ? Bool(false) : Bool(true).Bytes(value);

    /// <summary>A list: u32 big-endian count, then each element as a string.</summary>
    public CanonicalWriter StringList(IReadOnlyCollection<string> values)
    {
        var span = _buffer.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)values.Count);
        _buffer.Advance(4);
        foreach (var v in values)
        {
            String(v);
        }
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Minimal growable buffer (System.Buffers.ArrayBufferWriter without the extra checks).</summary>
    private sealed class ArrayBufferWriterLite
    {
        private byte[] _array = new byte[256];
        private int _count;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _count);

        public Span<byte> GetSpan(int size)
        {
            if (_count + size > _array.Length)
            {
                Array.Resize(ref _array, Math.Max(_array.Length * 2, _count + size));
            }
            return _array.AsSpan(_count);
        }

        public void Advance(int n) => _count += n;
    }
}
