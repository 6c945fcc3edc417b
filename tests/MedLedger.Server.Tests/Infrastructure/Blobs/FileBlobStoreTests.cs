using System.Security.Cryptography;
using MedLedger.Server.Infrastructure.Blobs;

namespace MedLedger.Server.Tests.Infrastructure.Blobs;

/// <summary>The embedded blob store reads back exactly what it stored, on both sides of the small-blob read and write.</summary>
public sealed class FileBlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "medledger-blobs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

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

    [Theory]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(300 * 1024)]
    public async Task A_streamed_blob_is_stored_only_when_it_is_exactly_the_declared_bytes(int length)
    {
        var store = new FileBlobStore(_root);
        var content = RandomNumberGenerator.GetBytes(length);
        var hash = BlobHash.Of(content);

        Assert.Equal(StreamedBlob.Truncated, await store.PutStreamedAsync(new MemoryStream(content[..^1]), length, hash, default));
        Assert.Equal(StreamedBlob.TooLong, await store.PutStreamedAsync(new MemoryStream([.. content, 0]), length, hash, default));
        var altered = content.ToArray();
        altered[length / 2] ^= 1;
        Assert.Equal(StreamedBlob.HashMismatch, await store.PutStreamedAsync(new MemoryStream(altered), length, hash, default));
        // Refused uploads leave nothing behind: no blob, no temporary file.
        Assert.Null(await store.GetAsync(hash, default));
        Assert.Empty(Directory.Exists(_root) ? Directory.GetFiles(_root, "*", SearchOption.AllDirectories) : []);
        if (length <= 64 * 1024)
        {
            // A small upload is judged in memory: a refusal does not even create its shard folder.
            Assert.Empty(Directory.Exists(_root) ? Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories) : []);
        }

        Assert.Equal(StreamedBlob.Stored, await store.PutStreamedAsync(new MemoryStream(content), length, hash, default));
        Assert.Equal(content, await store.GetAsync(hash, default));
        // The same bytes again: stored once, still readable.
        Assert.Equal(StreamedBlob.Stored, await store.PutStreamedAsync(new MemoryStream(content), length, hash, default));
        Assert.Single(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_negative_declared_length_is_a_caller_error_and_stores_nothing()
    {
        var store = new FileBlobStore(_root);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PutStreamedAsync(new MemoryStream([1, 2, 3]), -1, BlobHash.Of([1, 2, 3]), default));
        Assert.False(Directory.Exists(_root) && Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Length > 0);
        Assert.Empty(Directory.Exists(_root) ? Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories) : []);
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
