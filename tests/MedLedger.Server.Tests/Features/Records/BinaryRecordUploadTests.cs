using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;
using RecordUpload = MedLedger.Server.Features.Records.RecordUpload;
using RecordUploadMetadata = MedLedger.Server.Features.Records.RecordUploadMetadata;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// The binary upload (docs/records-upload.md): the ciphertext as raw bytes after a small JSON metadata part, streamed to
/// the blob store and hashed on the way. What a writer relies on (it is stored and opens), and what an attacker or a
/// broken client meets: every malformed body is an RFC 9457 problem and leaves no row, no blob and no ledger anchor.
/// </summary>
public sealed class BinaryRecordUploadTests : RecordTestBase
{
    private const string Octet = "application/octet-stream";

    /// <summary>A correctly sealed and signed version 1 of a new record, its metadata, and what it would be stored under.</summary>
    private sealed record Sealed(Guid RecordId, RecordEnvelope Envelope, RecordUploadMetadata Metadata, string Hash);

    private static Sealed Seal(SdkUser patient, byte[] plaintext, string contentType = "application/pdf")
    {
        var keys = patient.Client.Keys!;
        var recordId = Guid.NewGuid();
        var header = new RecordHeader(recordId.ToString(), 1, patient.Id.ToString(), patient.Id.ToString(), contentType, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "File");
        var env = RecordCrypto.Seal(header, plaintext, keys.Signing, [keys.Encryption.PublicKey]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(env.Ciphertext));
        var tx = SignedTransactionDto.From(LedgerTransaction.Create("records.write", patient.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["recordId"] = recordId.ToString(), ["version"] = "1", ["patientId"] = patient.Id.ToString(), ["authorId"] = patient.Id.ToString(),
            ["ciphertextHash"] = hash,
            ["headerHash"] = Convert.ToHexStringLower(SHA256.HashData(header.ToCanonicalBytes())),
        }, keys.Signing.PrivateKey));
        var metadata = new RecordUploadMetadata(1, patient.Id, "File", contentType, header.CreatedAtUnixMs, env.Nonce, env.KeyCommitment, env.Signature,
            env.Ciphertext.Length, hash, [new WrapDto(patient.Id, env.Wraps[0].ReaderKeyId, env.Wraps[0].Enc, env.Wraps[0].WrappedKey)], tx, 2);
        return new Sealed(recordId, env, metadata, hash);
    }

    private async Task<HttpClient> RawAsync(SdkUser user)
    {
        var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await user.Client.GetAccessTokenAsync());
        return raw;
    }

    /// <summary>The binary body: metadata JSON then <paramref name="ciphertext"/>; with <paramref name="chunked"/> no Content-Length is sent.</summary>
    private static HttpContent Body(RecordUploadMetadata metadata, byte[] ciphertext, bool chunked = false, string contentType = Octet, int? declaredMetadataLength = null)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(metadata, TestHost.Json);
        var bytes = json.Concat(ciphertext).ToArray();
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.Add(BinaryRecordUpload.MetadataLengthHeader, (declaredMetadataLength ?? json.Length).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>Nothing of the refused upload remains: no record row, no blob (not even a temporary file), no anchor.</summary>
    private async Task AssertNothingStoredAsync(SdkUser patient, Sealed s)
    {
        Assert.Equal(0, await Db(db => db.Set<MedicalRecord>().CountAsync(r => r.Id == s.RecordId)));
        Assert.False(await Host.Service<FileBlobStore>().ExistsAsync(s.Hash, default));
        var blobRoot = Host.Service<FileBlobStore>().Root;
        Assert.Empty(Directory.Exists(blobRoot) ? Directory.EnumerateFiles(blobRoot, "*.tmp", SearchOption.AllDirectories) : []);
        Assert.DoesNotContain(await LedgerAbout(patient.Id), t => t.Type == "records.write" && t.Payload["recordId"] == s.RecordId.ToString());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage res, HttpStatusCode status, string typeEnding)
    {
        Assert.Equal(status, res.StatusCode);
        var type = (await res.Problem()).GetProperty("type").GetString()!;
        Assert.EndsWith(typeEnding, type, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_upload_is_stored_under_its_hash_and_opens_for_the_patient()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var file = RandomNumberGenerator.GetBytes(300_000);
        var s = Seal(patient, file);
        using var raw = await RawAsync(patient);

        var res = await raw.PostAsync($"/api/records/{s.RecordId}/versions", Body(s.Metadata, s.Envelope.Ciphertext));

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var created = await res.Read<JsonElement>();
        Assert.Equal(s.Hash, created.GetProperty("ciphertextHash").GetString());
        Assert.Equal(s.Envelope.Ciphertext.Length, created.GetProperty("ciphertextLength").GetInt64());
        Assert.Equal(s.Envelope.Ciphertext, await Host.Service<FileBlobStore>().GetAsync(s.Hash, default));
        var opened = await patient.Client.OpenRecordAsync(s.RecordId);
        Assert.Equal(file, opened.Content);
    }

    [Fact]
    public async Task The_sdk_writes_with_the_binary_form_and_the_json_form_still_works_for_existing_clients()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var file = RandomNumberGenerator.GetBytes(70_000);
        var bySdk = await patient.Client.CreateFileRecordAsync(file, "application/pdf");
        Assert.Equal(file, (await patient.Client.OpenRecordAsync(bySdk.RecordId)).Content);

        // The browser app's form: the same version as JSON with the ciphertext in base64.
        var s = Seal(patient, Encoding.UTF8.GetBytes("a JSON-form file"));
        var m = s.Metadata;
        using var raw = await RawAsync(patient);
        var res = await raw.PostJson($"/api/records/{s.RecordId}/versions", new RecordUpload(m.Version, m.PatientId, m.Category, m.ContentType, m.CreatedAtMs,
            m.Nonce, m.KeyCommitment, m.Signature, s.Envelope.Ciphertext, m.Wraps, m.Transaction, m.HeaderVersion));
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal("a JSON-form file", Encoding.UTF8.GetString((await patient.Client.OpenRecordAsync(s.RecordId)).Content));
    }

    [Fact]
    public async Task A_ciphertext_that_does_not_hash_to_the_signed_and_anchored_hash_is_refused_after_streaming_and_not_stored()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var s = Seal(patient, RandomNumberGenerator.GetBytes(200_000));
        // Metadata, signature and transaction are all genuine; only the bytes that follow are not the ones they cover.
        var swapped = s.Envelope.Ciphertext.ToArray();
        swapped[^1] ^= 1;
        using var raw = await RawAsync(patient);

        var res = await raw.PostAsync($"/api/records/{s.RecordId}/versions", Body(s.Metadata, swapped));

        await AssertProblemAsync(res, (HttpStatusCode)422, "ciphertext-hash-mismatch");
        await AssertNothingStoredAsync(patient, s);
        Assert.False(await Host.Service<FileBlobStore>().ExistsAsync(Convert.ToHexStringLower(SHA256.HashData(swapped)), default));
    }

    [Fact]
    public async Task A_body_that_ends_early_or_runs_past_the_declared_length_is_refused_and_not_stored()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var s = Seal(patient, RandomNumberGenerator.GetBytes(100_000));
        using var raw = await RawAsync(patient);
        var url = $"/api/records/{s.RecordId}/versions";

        // Streamed without a Content-Length, the server notices only while reading the ciphertext.
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, s.Envelope.Ciphertext[..^100], chunked: true)), HttpStatusCode.BadRequest, "truncated-body");
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, [.. s.Envelope.Ciphertext, 0x00], chunked: true)), HttpStatusCode.BadRequest, "body-too-long");
        // With a Content-Length that disagrees with the metadata, it refuses before reading any ciphertext.
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, s.Envelope.Ciphertext[..^1])), HttpStatusCode.BadRequest, "body-length-mismatch");
        // A body that ends inside the metadata part.
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, [], chunked: true, declaredMetadataLength: 200_000)), HttpStatusCode.BadRequest, "truncated-body");

        await AssertNothingStoredAsync(patient, s);
    }

    [Fact]
    public async Task Wrong_content_type_missing_metadata_length_and_oversize_declarations_are_problems_and_store_nothing()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var s = Seal(patient, RandomNumberGenerator.GetBytes(10_000));
        using var raw = await RawAsync(patient);
        var url = $"/api/records/{s.RecordId}/versions";

        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, s.Envelope.Ciphertext, contentType: "text/plain")), HttpStatusCode.UnsupportedMediaType, "");
        var noLength = Body(s.Metadata, s.Envelope.Ciphertext);
        noLength.Headers.Remove(BinaryRecordUpload.MetadataLengthHeader);
        var res = await raw.PostAsync(url, noLength);
        Assert.Equal((HttpStatusCode)422, res.StatusCode);
        Assert.True((await res.Problem()).GetProperty("errors").TryGetProperty(BinaryRecordUpload.MetadataLengthHeader, out _));
        // Over the 20 MiB limit by declaration: refused before a byte of ciphertext is read.
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata with { CiphertextLength = RecordService.MaxCiphertextBytes + 1 }, s.Envelope.Ciphertext, chunked: true)),
            HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        // A metadata part that is not JSON, and a hash that is not one.
        await AssertProblemAsync(await raw.PostAsync(url, Body(s.Metadata, s.Envelope.Ciphertext, declaredMetadataLength: 10)), HttpStatusCode.BadRequest, "malformed-json");
        res = await raw.PostAsync(url, Body(s.Metadata with { CiphertextHash = "abc" }, s.Envelope.Ciphertext));
        Assert.Equal((HttpStatusCode)422, res.StatusCode);
        Assert.True((await res.Problem()).GetProperty("errors").TryGetProperty("ciphertextHash", out _));

        await AssertNothingStoredAsync(patient, s);
    }

    [Fact]
    public async Task A_declared_hash_the_author_did_not_sign_is_refused_before_the_body_is_read()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var s = Seal(patient, RandomNumberGenerator.GetBytes(10_000));
        var other = RandomNumberGenerator.GetBytes(s.Envelope.Ciphertext.Length);
        using var raw = await RawAsync(patient);

        // Bytes and declared hash agree with each other, but the signature covers the original hash.
        var res = await raw.PostAsync($"/api/records/{s.RecordId}/versions",
            Body(s.Metadata with { CiphertextHash = Convert.ToHexStringLower(SHA256.HashData(other)) }, other));

        await AssertProblemAsync(res, (HttpStatusCode)422, "bad-signature");
        await AssertNothingStoredAsync(patient, s);
        Assert.False(await Host.Service<FileBlobStore>().ExistsAsync(Convert.ToHexStringLower(SHA256.HashData(other)), default));
    }

    /// <summary>A body stream of unknown length, so the client sends it chunked (no Content-Length), as a streaming client would.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
