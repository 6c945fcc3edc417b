using System.Security.Cryptography;
using MedLedger.Server.Infrastructure.Blobs;

namespace MedLedger.Server.Tests.Infrastructure.Blobs;

/// <summary>The embedded blob store reads back exactly what it stored, on both sides of the small-blob read.</summary>
public sealed class FileBlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "medledger-blobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(1024 * 1024)]
    public async Task A_stored_blob_reads_back_byte_for_byte(int length)
    {
        var store = new FileBlobStore(_root);
        var content = RandomNumberGenerator.GetBytes(length);

        var hash = await store.PutAsync(content, default);

        Assert.Equal(BlobHash.Of(content), hash);
        Assert.Equal(content, await store.GetAsync(hash, default));
    }

    [Fact]
    public async Task An_unknown_or_malformed_hash_reads_as_nothing()
    {
        var store = new FileBlobStore(_root);
        await store.PutAsync([1, 2, 3], default);

        Assert.Null(await store.GetAsync(BlobHash.Of([9]), default));
        Assert.Null(await store.GetAsync("../../etc/passwd", default));
        Assert.Null(await store.GetAsync(BlobHash.Of([1, 2, 3]).ToUpperInvariant(), default));
    }
}
