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
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        // Flushed to disk before the rename: the ledger anchors this hash with a durable commit right after.
        await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(content, ct);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return hash;
    }

    public async Task<byte[]?> GetAsync(string hash, CancellationToken ct)
    {
        if (!BlobHash.IsValid(hash))
        {
            return null;
        }
        var path = PathFor(hash);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
    }

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
