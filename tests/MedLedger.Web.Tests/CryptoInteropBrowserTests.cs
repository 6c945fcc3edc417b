using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;

namespace MedLedger.Web.Tests;

/// <summary>
/// The TypeScript port (web/src/crypto, web/src/ledger) on Chromium and the C# SDK interoperate in both
/// directions: records, signatures, sealed secrets, key vaults, recovery codes, ledger transactions and receipts.
/// Bytes cross the page boundary as hex or base64 strings.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CryptoInteropBrowserTests(BrowserWorld world)
{
    private const string NewKeyBundleScript = """
        async () => {
          const c = window.medledger.crypto;
          const e = await c.generateKeyPair(), s = await c.generateKeyPair();
          return { encPriv: c.toHex(e.privateKey), encPub: c.toHex(e.publicKey), sigPriv: c.toHex(s.privateKey), sigPub: c.toHex(s.publicKey) };
        }
        """;

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private async Task WithPageAsync(Func<Microsoft.Playwright.IPage, Task> test)
    {
        var page = await CryptoPage.OpenAsync(world);
        try
        {
            await test(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public Task Records_sealed_in_CSharp_open_in_the_browser_and_records_sealed_in_the_browser_open_in_CSharp() => WithPageAsync(async page =>
    {
        var browserKeys = await CryptoPage.RunAsync(page, NewKeyBundleScript);
        var csharp = KeyBundle.Generate();
        var plaintext = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"note\":\"Grüße ⚕ interop\"}");

        // C# author seals for the browser's encryption key (and its own); the browser opens with the C# author's signing key.
        // Header v2 both ways (what the clients write); the v1 layout is pinned by the vectors.
        var header = new RecordHeader("rec-interop-1", 2, "pat-1", "doc-1", "application/fhir+json", 1732406400123, "Observation");
        var envelope = RecordCrypto.Seal(header, plaintext, csharp.Signing, [Hex(browserKeys, "encPub"), csharp.Encryption.PublicKey]);
        var opened = await CryptoPage.RunAsync(page, """
            async ({ json, authorPub, encPriv, encPub }) => {
              const c = window.medledger.crypto;
              const env = c.envelopeFromJson(json);
              const { plaintext } = await c.openRecord(env, c.fromHex(authorPub), { privateKey: c.fromHex(encPriv), publicKey: c.fromHex(encPub) });
              let wrongAuthor = null;
              try { await c.openRecord(env, c.fromHex(encPub), { privateKey: c.fromHex(encPriv), publicKey: c.fromHex(encPub) }); } catch (e) { wrongAuthor = e.name; }
              return { plaintext: c.toHex(plaintext), rewritten: c.envelopeToJson(env), wrongAuthor };
            }
            """, new { json = envelope.ToJson(), authorPub = Convert.ToHexStringLower(csharp.Signing.PublicKey), encPriv = Str(browserKeys, "encPriv"), encPub = Str(browserKeys, "encPub") });
        Assert.Equal(Convert.ToHexStringLower(plaintext), Str(opened, "plaintext"));
        Assert.Equal(envelope.ToJson(), Str(opened, "rewritten"));
        Assert.Equal("CryptoIntegrityError", Str(opened, "wrongAuthor"));

        // The browser author seals for the C# reader; C# verifies the signature and opens.
        var sealedInBrowser = await CryptoPage.RunAsync(page, """
            async ({ plaintext, sigPriv, readers }) => {
              const c = window.medledger.crypto;
              const header = { recordId: 'rec-interop-2', version: 0, patientId: 'pat-1', authorId: 'doc-2', contentType: 'text/plain; charset=utf-8', category: 'File', createdAt: 1732406400999 };
              const { envelope } = await c.sealRecord(header, c.fromHex(plaintext), c.fromHex(sigPriv), readers.map(c.fromHex));
              return { json: c.envelopeToJson(envelope) };
            }
            """, new { plaintext = Convert.ToHexStringLower(plaintext), sigPriv = Str(browserKeys, "sigPriv"), readers = new[] { Convert.ToHexStringLower(csharp.Encryption.PublicKey), Str(browserKeys, "encPub") } });
        var parsed = RecordEnvelope.FromJson(Str(sealedInBrowser, "json"));
        Assert.Equal(Str(sealedInBrowser, "json"), parsed.ToJson());
        Assert.Equal("File", parsed.Header.Category);
        Assert.Equal(RecordEnvelope.FormatV2, parsed.Format);
        Assert.True(RecordCrypto.VerifySignature(parsed, Hex(browserKeys, "sigPub")));
        Assert.Equal(plaintext, RecordCrypto.Open(parsed, csharp.Encryption, Hex(browserKeys, "sigPub")));
        Assert.Throws<CryptoIntegrityException>(() => RecordCrypto.Open(parsed, csharp.Encryption, csharp.Signing.PublicKey));

        // Sharing across implementations: C# unwraps the data key and adds the browser as a reader of a browser-sealed record.
        var dataKey = RecordCrypto.UnwrapDataKey(parsed, csharp.Encryption, Hex(browserKeys, "sigPub"));
        Assert.Equal(dataKey, RecordCrypto.UnwrapDataKey(parsed, new UserKeyPair(Hex(browserKeys, "encPriv"), Hex(browserKeys, "encPub")), Hex(browserKeys, "sigPub")));
    });

    [Fact]
    public Task Signatures_and_sealed_secrets_cross_between_the_browser_and_CSharp_both_ways() => WithPageAsync(async page =>
    {
        var browserKeys = await CryptoPage.RunAsync(page, NewKeyBundleScript);
        var csharp = KeyBundle.Generate();
        var message = Encoding.UTF8.GetBytes("medledger interop message");
        var secret = RandomNumberGenerator.GetBytes(32);
        var fromCSharp = SealedSecret.Seal(Hex(browserKeys, "encPub"), "emergency-key", "hospital-0001", secret);

        var r = await CryptoPage.RunAsync(page, """
            async ({ message, sigPriv, csSig, csSigPub, sealedJson, encPriv, encPub, csEncPub, secret }) => {
              const c = window.medledger.crypto, H = c.fromHex;
              const me = { privateKey: H(encPriv), publicKey: H(encPub) };
              const opened = await c.openSecret(me, 'emergency-key', 'hospital-0001', c.sealedSecretFromJson(sealedJson));
              let otherContext = null;
              try { await c.openSecret(me, 'emergency-key', 'hospital-0002', c.sealedSecretFromJson(sealedJson)); } catch (e) { otherContext = e.name; }
              const forCs = await c.sealSecret(H(csEncPub), 'organization-key', 'org-42', H(secret));
              return {
                browserSig: c.toHex(await c.sign(H(sigPriv), H(message))),
                csSigVerifies: await c.verify(H(csSigPub), H(message), H(csSig)),
                csSigOtherMessage: await c.verify(H(csSigPub), H(message + '00'), H(csSig)),
                opened: c.toHex(opened), otherContext, sealedForCs: c.sealedSecretToJson(forCs),
              };
            }
            """, new
        {
            message = Convert.ToHexStringLower(message),
            sigPriv = Str(browserKeys, "sigPriv"),
            csSig = Convert.ToHexStringLower(Signatures.Sign(csharp.Signing.PrivateKey, message)),
            csSigPub = Convert.ToHexStringLower(csharp.Signing.PublicKey),
            sealedJson = Encoding.UTF8.GetString(fromCSharp.ToJsonBytes()),
            encPriv = Str(browserKeys, "encPriv"),
            encPub = Str(browserKeys, "encPub"),
            csEncPub = Convert.ToHexStringLower(csharp.Encryption.PublicKey),
            secret = Convert.ToHexStringLower(secret),
        });
        Assert.True(Signatures.Verify(Hex(browserKeys, "sigPub"), message, Hex(r, "browserSig")), "C# verifies the browser's signature");
        Assert.False(Signatures.Verify(Hex(browserKeys, "sigPub"), [.. message, 0], Hex(r, "browserSig")));
        Assert.True(r.GetProperty("csSigVerifies").GetBoolean(), "the browser verifies the C# signature");
        Assert.False(r.GetProperty("csSigOtherMessage").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(secret), Str(r, "opened"));
        Assert.Equal("CryptoIntegrityError", Str(r, "otherContext"));
        var sealedForCs = SealedSecret.FromJson(Encoding.UTF8.GetBytes(Str(r, "sealedForCs")));
        Assert.Equal(secret, sealedForCs.Open(csharp.Encryption, "organization-key", "org-42"));
        Assert.Throws<CryptoIntegrityException>(() => sealedForCs.Open(csharp.Encryption, "emergency-key", "org-42"));
    });

    [Fact]
    public Task A_vault_created_in_the_browser_unlocks_in_CSharp_and_a_CSharp_vault_unlocks_in_the_browser() => WithPageAsync(async page =>
    {
        // The browser gets the decomposed (NFD) spelling, C# the composed one: both must derive the same keys.
        const string composed = "Grüße, Ärztin! café 2024";
        var decomposed = "Gru\u0308ße, A\u0308rztin! cafe\u0301 2024";
        var browser = await CryptoPage.RunAsync(page, """
            async ({ password }) => {
              const c = window.medledger.crypto;
              const t0 = performance.now();
              const v = await c.createVault('user-browser-1', password);
              const createMs = performance.now() - t0;
              return {
                json: c.storedBundleToJson(v.stored), code: v.recoveryCode, authKey: c.toHex(v.authKey),
                encPub: c.toHex(v.keys.encryption.publicKey), sigPub: c.toHex(v.keys.signing.publicKey),
                encPriv: c.toHex(v.keys.encryption.privateKey), entropy: c.toHex(c.parseRecoveryCode(v.recoveryCode)), createMs,
              };
            }
            """, new { password = decomposed });
        Console.WriteLine($"createVault in Chromium (key generation + PBKDF2 600k + wraps): {browser.GetProperty("createMs").GetDouble():F0} ms");
        var stored = EncryptedKeyBundle.FromJson(Str(browser, "json"));
        Assert.Equal(Str(browser, "json"), stored.ToJson());
        var unlocked = KeyVault.UnlockWithPassword(stored, composed);
        Assert.Equal(Hex(browser, "encPriv"), unlocked.Encryption.PrivateKey);
        Assert.Equal(Hex(browser, "sigPub"), unlocked.Signing.PublicKey);
        Assert.Equal(Hex(browser, "authKey"), PasswordKeys.Derive(composed, stored.PasswordParameters).AuthenticationKey);
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithPassword(stored, composed + "x"));
        Assert.Equal(Hex(browser, "entropy"), RecoveryCode.ParseEntropy(Str(browser, "code")));
        Assert.Equal(Str(browser, "code"), RecoveryCode.Normalize(Str(browser, "code").ToLowerInvariant()));
        Assert.Equal(Hex(browser, "encPriv"), KeyVault.UnlockWithRecoveryCode(stored, Str(browser, "code")).Encryption.PrivateKey);
        // C# recovers the browser's vault with the code and sets a new password; the browser unlocks with it.
        var recovered = KeyVault.RecoverWithCode(stored, Str(browser, "code"), "new password from C#");

        var created = KeyVault.Create("user-csharp-1", composed);
        var r = await CryptoPage.RunAsync(page, """
            async ({ json, password, code, recoveredJson, badCode }) => {
              const c = window.medledger.crypto;
              const stored = c.storedBundleFromJson(json);
              const keys = await c.unlockWithPassword(stored, password);
              const byCode = await c.unlockWithRecoveryCode(stored, code);
              const recovered = await c.unlockWithPassword(c.storedBundleFromJson(recoveredJson), 'new password from C#');
              let wrongCheckSymbol = null;
              try { c.parseRecoveryCode(badCode); } catch (e) { wrongCheckSymbol = e.name; }
              const changed = await c.changePassword(stored, keys, 'changed in the browser');
              const reset = await c.recoverWithCode(stored, code, 'reset in the browser');
              const derived = await c.derivePasswordKeys(password, stored.password);
              return {
                rewritten: c.storedBundleToJson(stored), encPriv: c.toHex(keys.encryption.privateKey), sigPriv: c.toHex(keys.signing.privateKey),
                byCode: c.toHex(byCode.signing.privateKey), entropy: c.toHex(c.parseRecoveryCode(code)), recoveredSig: c.toHex(recovered.signing.publicKey),
                wrongCheckSymbol, authKey: c.toHex(derived.authKey),
                changedJson: c.storedBundleToJson(changed.stored), changedAuthKey: c.toHex(changed.authKey),
                resetJson: c.storedBundleToJson(reset.stored),
              };
            }
            """, new
        {
            json = created.Stored.ToJson(),
            password = decomposed,
            code = created.RecoveryCode,
            recoveredJson = recovered.Stored.ToJson(),
            badCode = created.RecoveryCode[..^1] + (created.RecoveryCode[^1] == '0' ? '1' : '0'),
        });
        Assert.Equal(created.Stored.ToJson(), Str(r, "rewritten"));
        Assert.Equal(created.Keys.Encryption.PrivateKey, Hex(r, "encPriv"));
        Assert.Equal(created.Keys.Signing.PrivateKey, Hex(r, "sigPriv"));
        Assert.Equal(created.Keys.Signing.PrivateKey, Hex(r, "byCode"));
        Assert.Equal(RecoveryCode.ParseEntropy(created.RecoveryCode), Hex(r, "entropy"));
        Assert.Equal(Hex(browser, "sigPub"), Hex(r, "recoveredSig"));
        Assert.Equal("CryptoFormatError", Str(r, "wrongCheckSymbol"));
        Assert.Equal(created.AuthenticationKey, Hex(r, "authKey"));
        // Password changed / reset in the browser: C# unlocks with the new passwords and the new authenticator matches.
        var changed = EncryptedKeyBundle.FromJson(Str(r, "changedJson"));
        Assert.Equal(created.Keys.Signing.PrivateKey, KeyVault.UnlockWithPassword(changed, "changed in the browser").Signing.PrivateKey);
        Assert.Equal(Hex(r, "changedAuthKey"), PasswordKeys.Derive("changed in the browser", changed.PasswordParameters).AuthenticationKey);
        Assert.Throws<CryptoIntegrityException>(() => KeyVault.UnlockWithPassword(changed, composed));
        var reset = EncryptedKeyBundle.FromJson(Str(r, "resetJson"));
        Assert.Equal(created.Keys.Encryption.PrivateKey, KeyVault.UnlockWithPassword(reset, "reset in the browser").Encryption.PrivateKey);
        Assert.Equal(created.Keys.Encryption.PrivateKey, KeyVault.UnlockWithRecoveryCode(reset, created.RecoveryCode).Encryption.PrivateKey);
    });

    [Fact]
    public Task Ledger_transactions_built_in_the_browser_parse_and_verify_in_CSharp_and_the_other_way_round() => WithPageAsync(async page =>
    {
        var browserKeys = await CryptoPage.RunAsync(page, NewKeyBundleScript);
        var csharp = KeyBundle.Generate();
        var payload = new Dictionary<string, string>
        {
            ["userId"] = "3f2b6c1e-0000-4000-8000-000000000001",
            ["signingKey"] = Convert.ToBase64String(csharp.Signing.PublicKey),
            ["role"] = "Patient",
            ["a.b_c:d@e-f"] = "x+/=",
            ["emptyValue"] = "",
        };
        var csTx = LedgerTransaction.Create("identity.register-keys", "3f2b6c1e-0000-4000-8000-000000000001", LedgerTransaction.RandomNonce(),
            LedgerTransaction.NowMs(), payload, csharp.Signing.PrivateKey);

        var r = await CryptoPage.RunAsync(page, """
            async ({ sigPriv, sigPub, payload, csBytes, csSig }) => {
              const c = window.medledger.crypto, l = window.medledger.ledger, H = c.fromHex;
              const key = { privateKey: H(sigPriv), publicKey: H(sigPub) };
              const tx = await l.createTransaction('consent.grant', 'user-7', payload, key, 1732406400123, 9007199254740993n);
              const random = await l.createTransaction('consent.grant', 'user-7', {}, key);
              const refusals = {};
              for (const [name, p] of [['space in value', { note: 'free text' }], ['empty key', { '': 'x' }], ['long value', { k: 'a'.repeat(513) }]]) {
                try { await l.createTransaction('consent.grant', 'user-7', p, key); refusals[name] = null; } catch (e) { refusals[name] = e.message; }
              }
              const parsed = await l.parseTransaction(H(csBytes), H(csSig));
              let truncated = null;
              try { await l.parseTransaction(H(csBytes).subarray(0, 40), H(csSig)); } catch (e) { truncated = e.message; }
              return {
                bytes: c.toHex(tx.signingBytes), sig: c.toHex(tx.signature), id: tx.id, nonce: tx.nonce.toString(),
                randomNonce: random.nonce.toString(), refusals,
                csId: parsed.id, csVerifies: await l.verifyTransactionSignature(parsed), csPayload: parsed.payload, csNonce: parsed.nonce.toString(),
                csType: parsed.type, csTimestamp: parsed.timestampMs, csLeaf: c.toHex(await l.transactionLeafHash(parsed, true)), truncated,
              };
            }
            """, new
        {
            sigPriv = Str(browserKeys, "sigPriv"),
            sigPub = Str(browserKeys, "sigPub"),
            payload,
            csBytes = Convert.ToHexStringLower(csTx.SigningBytes),
            csSig = Convert.ToHexStringLower(csTx.Signature),
        });

        // Browser → C#.
        var tx = LedgerTransaction.FromSigningBytes(Hex(r, "bytes"), Hex(r, "sig"));
        Assert.True(tx.VerifySignature(), "C# verifies the browser-signed transaction");
        Assert.Null(tx.CheckWellFormed());
        Assert.Equal(Str(r, "id"), tx.Id);
        Assert.Equal("consent.grant", tx.Type);
        Assert.Equal("user-7", tx.ActorId);
        Assert.Equal(9007199254740993L, tx.Nonce);
        Assert.Equal(1732406400123L, tx.TimestampMs);
        Assert.Equal(Hex(browserKeys, "sigPub"), tx.SignerPublicKey);
        Assert.Equal(payload.OrderBy(p => p.Key, StringComparer.Ordinal), tx.Payload);
        var randomNonce = long.Parse(Str(r, "randomNonce"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(randomNonce >= 0, "random nonces are non-negative 63-bit values");
        var refusals = r.GetProperty("refusals");
        foreach (var refusal in refusals.EnumerateObject())
        {
            Assert.True(refusal.Value.ValueKind == JsonValueKind.String, $"createTransaction accepted a payload with {refusal.Name}");
        }
        Assert.Contains("(ids, hashes, counts; no free text)", refusals.GetProperty("space in value").GetString(), StringComparison.Ordinal);

        // C# → browser.
        Assert.Equal(csTx.Id, Str(r, "csId"));
        Assert.True(r.GetProperty("csVerifies").GetBoolean(), "the browser verifies the C#-signed transaction");
        Assert.Equal(csTx.Nonce.ToString(System.Globalization.CultureInfo.InvariantCulture), Str(r, "csNonce"));
        Assert.Equal(csTx.TimestampMs, r.GetProperty("csTimestamp").GetInt64());
        Assert.Equal(csTx.Type, Str(r, "csType"));
        Assert.Equal(Convert.ToHexStringLower(csTx.LeafHash(true)), Str(r, "csLeaf"));
        var csPayload = r.GetProperty("csPayload").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()!)).ToList();
        Assert.Equal(csTx.Payload, csPayload);
        Assert.Equal("truncated canonical encoding", Str(r, "truncated"));
    });

    [Fact]
    public async Task A_receipt_from_the_demo_servers_ledger_verifies_in_the_browser_and_tampered_copies_fail_like_in_CSharp()
    {
        var account = world.Server.Accounts.First(a => a.Role == "Patient");
        using var client = new MedLedgerClient(new Uri(world.Url));
        await client.LoginWithDevOutboxAsync(account.Email, account.Password);
        using var http = new HttpClient { BaseAddress = new Uri(world.Url) };
        var peerJson = await http.GetStringAsync("/api/ledger/peer");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/ledger/keys/{client.UserId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await client.GetAccessTokenAsync());
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var keysJson = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var receiptJson = keysJson["receipt"]!.ToJsonString();
        var peerKey = Convert.FromBase64String(JsonNode.Parse(peerJson)!["publicKey"]!.GetValue<string>());

        // Tampered copies: one byte (or one value) changed in each part the receipt commits to.
        var copies = new Dictionary<string, string>
        {
            ["original"] = receiptJson,
            ["transaction byte"] = Mutate(receiptJson, n => n["transactionBytes"] = FlipByte(n["transactionBytes"]!, 40)),
            ["transaction signature byte"] = Mutate(receiptJson, n => n["transactionSignature"] = FlipByte(n["transactionSignature"]!, 10)),
            ["head signature byte"] = Mutate(receiptJson, n => n["head"]!["signature"] = FlipByte(n["head"]!["signature"]!, 5)),
            ["head root byte"] = Mutate(receiptJson, n => n["head"]!["rootHash"] = FlipByte(n["head"]!["rootHash"]!, 0)),
            ["leaf hash byte"] = Mutate(receiptJson, n => n["leafHash"] = FlipByte(n["leafHash"]!, 31)),
            ["verdict"] = Mutate(receiptJson, n => n["valid"] = !n["valid"]!.GetValue<bool>()),
            ["transaction id"] = Mutate(receiptJson, n => n["transactionId"] = new string('0', 64)),
            ["log index"] = Mutate(receiptJson, n => n["logIndex"] = n["logIndex"]!.GetValue<long>() + 1),
            ["block height"] = Mutate(receiptJson, n => n["blockHeight"] = n["blockHeight"]!.GetValue<long>() + 1),
        };
        var proofLength = keysJson["receipt"]!["inclusionProof"]!.AsArray().Count;
        if (proofLength > 0)
        {
            copies["inclusion proof byte"] = Mutate(receiptJson, n => n["inclusionProof"]![0] = FlipByte(n["inclusionProof"]![0]!, 3));
        }

        await WithPageAsync(async page =>
        {
            var r = await CryptoPage.RunAsync(page, """
                async ({ copies, peer }) => {
                  const c = window.medledger.crypto, l = window.medledger.ledger;
                  const peerKey = c.fromBase64(JSON.parse(peer).publicKey);
                  const out = {};
                  for (const [name, json] of Object.entries(copies)) out[name] = await l.verifyReceipt(JSON.parse(json), peerKey);
                  const tx = await l.receiptTransaction(JSON.parse(copies.original));
                  out.type = tx.type;
                  out.otherPeer = await l.verifyReceipt(JSON.parse(copies.original), (await c.generateKeyPair()).publicKey);
                  const original = JSON.parse(copies.original);
                  out.hasHeaderHash = typeof original.headerHash === 'string';
                  original.headerHash = c.toBase64(new Uint8Array(32));
                  out.badHeaderHash = await l.verifyReceipt(original, peerKey);
                  return out;
                }
                """, new { copies, peer = peerJson });
            Assert.True(r.GetProperty("original").ValueKind == JsonValueKind.Null, "the server's receipt verifies in the browser: " + r.GetProperty("original"));
            // Deliberately stricter than C# (whose HeaderHash is computed, so a serialized one is ignored on reading):
            // a headerHash that disagrees with the signed head is refused, so a UI never shows an unverified hash.
            Assert.Equal("header hash does not match the signed head", Str(r, "badHeaderHash"));
            Assert.StartsWith("identity.", Str(r, "type"), StringComparison.Ordinal);
            Assert.True(r.GetProperty("hasHeaderHash").GetBoolean(), "the server's receipt JSON carries headerHash");
            Assert.Equal("head signature does not verify with the peer key", Str(r, "otherPeer"));
            var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            foreach (var (name, json) in copies)
            {
                var csharpVerdict = JsonSerializer.Deserialize<LedgerReceipt>(json, options)!.Verify(peerKey);
                var browserVerdict = r.GetProperty(name).ValueKind == JsonValueKind.Null ? null : Str(r, name);
                if (name != "original")
                {
                    Assert.True(browserVerdict is not null, $"tampered receipt ({name}) verified in the browser");
                }
                Assert.True(csharpVerdict == browserVerdict, $"{name}: C# says '{csharpVerdict}', the browser '{browserVerdict}'");
            }
        });
    }

    private static string Mutate(string json, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(json)!;
        change(node);
        return node.ToJsonString();
    }

    private static JsonNode FlipByte(JsonNode base64, int index)
    {
        var bytes = Convert.FromBase64String(base64.GetValue<string>());
        bytes[index % bytes.Length] ^= 0x01;
        return JsonValue.Create(Convert.ToBase64String(bytes));
    }
}
