using System.Security.Cryptography;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Infrastructure.Blobs;

/// <summary>
/// Encrypted payloads, content-addressed by lowercase hex SHA-256. The store never sees plaintext:
/// callers hand it ciphertext envelopes. Writing the same bytes twice is a no-op.
/// </summary>
public interface IBlobStore
{
    Task<string> PutAsync(byte[] content, CancellationToken ct);

    /// <summary>
    /// As <see cref="PutAsync"/>, with <paramref name="hash"/> already computed by the caller over exactly these bytes
    /// (a record upload hashes its ciphertext once for the signature, the anchor and the address).
    /// </summary>
    Task<string> PutHashedAsync(byte[] content, string hash, CancellationToken ct);
    Task<byte[]?> GetAsync(string hash, CancellationToken ct);
    Task<bool> ExistsAsync(string hash, CancellationToken ct);

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes from <paramref name="content"/>, hashing them once as they arrive, and
    /// stores them under <paramref name="expectedHash"/> only if the stream ends there and they hash to it; otherwise
    /// nothing is stored. This default buffers the bytes (a database row takes them whole); the file store streams them
    /// to disk. The caller bounds <paramref name="length"/>.
    /// </summary>
    async Task<StreamedBlob> PutStreamedAsync(Stream content, long length, string expectedHash, CancellationToken ct)
    {
        var buffer = new byte[length];
        var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (read < length)
        {
            return StreamedBlob.Truncated;
        }
        if (await content.ReadAsync(new byte[1], ct) > 0)
        {
            return StreamedBlob.TooLong;
        }
        if (BlobHash.Of(buffer) != expectedHash)
        {
            return StreamedBlob.HashMismatch;
        }
        await PutHashedAsync(buffer, expectedHash, ct);
        return StreamedBlob.Stored;
    }
}

/// <summary>What became of a streamed blob: stored, or why not (nothing is stored then).</summary>
public enum StreamedBlob
{
    Stored,
    /// <summary>The stream ended before the declared length.</summary>
    Truncated,
    /// <summary>The stream went on past the declared length.</summary>
    TooLong,
    /// <summary>The bytes do not hash to the expected hash.</summary>
    HashMismatch,
}

public static class BlobHash
{
    public static string Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static bool IsValid(string? hash) => hash is { Length: 64 } && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>Embedded default: data/blobs/ab/cd/abcd…; written to a temp file and renamed so a crash never leaves a torn blob.</summary>
public sealed class FileBlobStore(string root) : IBlobStore
{
    public string Root { get; } = root;

    private string PathFor(string hash) => Path.Combine(Root, hash[..2], hash[2..4], hash);

    /// <summary>
    /// mkdir on an existing folder still takes the parent's lock in the kernel; concurrent uploads spun on it (about 5 % of
    /// a record write's CPU in the session-35 profile). A stat is a lock-free lookup, and the shard folders exist after warm-up.
    /// </summary>
    private static void EnsureFolder(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }

    public Task<string> PutAsync(byte[] content, CancellationToken ct) => PutHashedAsync(content, BlobHash.Of(content), ct);

    public async Task<string> PutHashedAsync(byte[] content, string hash, CancellationToken ct)
    {
        if (!BlobHash.IsValid(hash))
        {
            throw new ArgumentException("Not a lowercase SHA-256 hex string.", nameof(hash));
        }
        var path = PathFor(hash);
        if (File.Exists(path))
        {
            return hash;
        }
        EnsureFolder(path);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        if (content.Length <= SmallBlobBytes)
        {
            WriteInPlace(temp, content);
        }
        else
        {
            // Flushed to disk before the rename: the ledger anchors this hash with a durable commit right after.
            await using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await stream.WriteAsync(content, ct);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return hash;
    }

    /// <summary>
    /// A small blob is written and flushed in place, as it is read: an asynchronous file write on Linux is a thread-pool
    /// hop per call, more than the write of a few kilobytes costs. Flushed to disk before the caller renames it: the
    /// ledger anchors this hash with a durable commit right after.
    /// </summary>
    private static void WriteInPlace(string temp, ReadOnlySpan<byte> content)
    {
        using var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        RandomAccess.Write(handle, content, 0);
        RandomAccess.FlushToDisk(handle);
    }

    public async Task<StreamedBlob> PutStreamedAsync(Stream content, long length, string expectedHash, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!BlobHash.IsValid(expectedHash))
        {
            throw new ArgumentException("Not a lowercase SHA-256 hex string.", nameof(expectedHash));
        }
        var path = PathFor(expectedHash);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            var outcome = length <= SmallBlobBytes
                ? await BufferHashedAsync(content, (int)length, path, temp, expectedHash, ct)
                : await CopyHashedAsync(content, length, path, temp, expectedHash, ct);
            if (outcome != StreamedBlob.Stored)
            {
                return outcome;
            }
            // Content-addressed: an existing blob with this hash already holds these bytes.
            if (!File.Exists(path))
            {
                File.Move(temp, path, overwrite: true);
            }
            return StreamedBlob.Stored;
        }
        finally
        {
            // Refused, failed or already present: no partial or unverified bytes stay behind. Usually nothing is there (a
            // refused or repeated small blob never made its folder, and File.Delete throws on a missing folder).
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// A small blob: read whole into a pooled buffer, hashed once, and written in place only if it is exactly
    /// <paramref name="length"/> bytes with the expected hash and not stored already (a refused upload creates no file
    /// and no folder; a repeat writes nothing).
    /// </summary>
    private static async Task<StreamedBlob> BufferHashedAsync(Stream content, int length, string path, string temp, string expectedHash, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length + 1);
        try
        {
            if (await content.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, ct) < length)
            {
                return StreamedBlob.Truncated;
            }
            if (await content.ReadAsync(buffer.AsMemory(length, 1), ct) > 0)
            {
                return StreamedBlob.TooLong;
            }
            if (BlobHash.Of(buffer.AsSpan(0, length)) != expectedHash)
            {
                return StreamedBlob.HashMismatch;
            }
            // Content-addressed: a stored blob with this hash already holds exactly these bytes.
            if (File.Exists(path))
            {
                return StreamedBlob.Stored;
            }
            EnsureFolder(path);
            WriteInPlace(temp, buffer.AsSpan(0, length));
            return StreamedBlob.Stored;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the stream to <paramref name="temp"/> (flushed to disk) while hashing it; one pass over the bytes.</summary>
    private static async Task<StreamedBlob> CopyHashedAsync(Stream content, long length, string path, string temp, string expectedHash, CancellationToken ct)
    {
        // Too large to hold: streamed to a temporary file beside its final place, so the folder comes first.
        EnsureFolder(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
            var left = length;
            while (left > 0)
            {
                var n = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
                if (n == 0)
                {
                    return StreamedBlob.Truncated;
                }
                sha.AppendData(buffer, 0, n);
                await file.WriteAsync(buffer.AsMemory(0, n), ct);
                left -= n;
            }
            if (await content.ReadAsync(buffer.AsMemory(0, 1), ct) > 0)
            {
                return StreamedBlob.TooLong;
            }
            if (Convert.ToHexStringLower(sha.GetHashAndReset()) != expectedHash)
            {
                return StreamedBlob.HashMismatch;
            }
            // Flushed to disk before the rename: the ledger anchors this hash with a durable commit right after.
            file.Flush(flushToDisk: true);
            return StreamedBlob.Stored;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<byte[]?> GetAsync(string hash, CancellationToken ct)
    {
        if (!BlobHash.IsValid(hash))
        {
            return null;
        }
        var path = PathFor(hash);
        if (!File.Exists(path))
        {
            return null;
        }
        // One handle for both sizes. A small blob is read in place: an asynchronous file read on Linux is a thread-pool
        // hop for a read that the page cache answers in microseconds (the hop cost more than the read in the session-40
        // read profile); a large one still reads asynchronously, so a cold disk never holds a request thread for long.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var content = new byte[checked((int)RandomAccess.GetLength(handle))];
        var inPlace = content.Length <= SmallBlobBytes;
        var read = 0;
        while (read < content.Length)
        {
            var n = inPlace
                ? RandomAccess.Read(handle, content.AsSpan(read), read)
                : await RandomAccess.ReadAsync(handle, content.AsMemory(read), read, ct);
            if (n == 0)
            {
                throw new IOException($"Blob {hash} ended early (a blob is never rewritten in place).");
            }
            read += n;
        }
        return content;
    }

    /// <summary>Blobs up to this size are read synchronously (see <see cref="GetAsync"/>).</summary>
    private const int SmallBlobBytes = 64 * 1024;

    public Task<bool> ExistsAsync(string hash, CancellationToken ct) => Task.FromResult(BlobHash.IsValid(hash) && File.Exists(PathFor(hash)));

    /// <summary>Null when the blob exists and hashes to its name; otherwise what is wrong.</summary>
    public static string? CheckBlob(string root, string hash)
    {
        if (!BlobHash.IsValid(hash))
        {
            return $"anchored hash '{hash}' is not a SHA-256 hex string";
        }
        var path = Path.Combine(root, hash[..2], hash[2..4], hash);
        if (!File.Exists(path))
        {
            return $"blob {hash} is missing from {root}";
        }
        return BlobHash.Of(File.ReadAllBytes(path)) == hash ? null : $"blob {hash} was modified (its content no longer hashes to its name)";
    }
}

/// <summary>At scale: blobs live in the PostgreSQL cluster beside the relational data.</summary>
public sealed class DatabaseBlobStore(MedLedgerDbContext db) : IBlobStore
{
    public Task<string> PutAsync(byte[] content, CancellationToken ct) => PutHashedAsync(content, BlobHash.Of(content), ct);

    public async Task<string> PutHashedAsync(byte[] content, string hash, CancellationToken ct)
    {
        if (!BlobHash.IsValid(hash))
        {
            throw new ArgumentException("Not a lowercase SHA-256 hex string.", nameof(hash));
        }
        if (!await db.Set<BlobRow>().AnyAsync(b => b.Hash == hash, ct))
        {
            db.Set<BlobRow>().Add(new BlobRow { Hash = hash, Content = content });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // A concurrent writer stored the same content first: content addressing makes that fine.
                db.ChangeTracker.Clear();
            }
        }
        return hash;
    }

    public async Task<byte[]?> GetAsync(string hash, CancellationToken ct) =>
        await db.Set<BlobRow>().AsNoTracking().Where(b => b.Hash == hash).Select(b => b.Content).FirstOrDefaultAsync(ct);

    public Task<bool> ExistsAsync(string hash, CancellationToken ct) => db.Set<BlobRow>().AnyAsync(b => b.Hash == hash, ct);
}

public sealed class BlobRow
{
    public required string Hash { get; set; }
    public required byte[] Content { get; set; }
}

internal sealed class BlobRowConfiguration : IEntityTypeConfiguration<BlobRow>
{
    public void Configure(EntityTypeBuilder<BlobRow> b)
    {
        b.ToTable("blobs");
        b.HasKey(x => x.Hash);
        b.Property(x => x.Hash).HasMaxLength(64);
    }
}
