using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Ordering;
using MedLedger.Ledger.Store;
using MedLedger.Testing;

namespace MedLedger.Ledger.Tests;

/// <summary>A user with a signing key and an encryption key, as a client holds them.</summary>
internal sealed class TestUser
{
    public TestUser(string id, string role = IdentityRoles.Patient)
    {
        Id = id;
        Role = role;
        (Signing, SigningPublic) = LedgerCrypto.GenerateKeyPair();
        EncryptionPublic = LedgerCrypto.GenerateKeyPair().PublicKey;
    }

    public string Id { get; }
    public string Role { get; }
    public byte[] Signing { get; private set; }
    public byte[] SigningPublic { get; private set; }
    public byte[] EncryptionPublic { get; private set; }

    public LedgerTransaction Register() => Tx(RegisterKeysContract.TypeName, new()
    {
        ["userId"] = Id,
        ["signingKey"] = Convert.ToBase64String(SigningPublic),
        ["encryptionKey"] = Convert.ToBase64String(EncryptionPublic),
        ["role"] = Role,
    });

    /// <summary>Builds the rotation signed by the current key, then switches to the new keys.</summary>
    public LedgerTransaction Rotate()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        var enc = LedgerCrypto.GenerateKeyPair().PublicKey;
        var tx = Tx(RotateKeysContract.TypeName, new()
        {
            ["userId"] = Id,
            ["signingKey"] = Convert.ToBase64String(pub),
            ["encryptionKey"] = Convert.ToBase64String(enc),
        });
        Signing = priv;
        SigningPublic = pub;
        EncryptionPublic = enc;
        return tx;
    }

    /// <summary>This (admin) user's own signed decision on a professional, over a card hash and the subject's current key fingerprint.</summary>
    public LedgerTransaction Verify(TestUser subject, string decision = "approved", string? cardHash = null, string? keyFingerprint = null) => Tx(VerifyContract.TypeName, new()
    {
        ["subjectId"] = subject.Id,
        ["subjectKind"] = "user",
        ["decision"] = decision,
        ["cardHash"] = cardHash ?? new string('c', 64),
        ["keyFingerprint"] = keyFingerprint ?? subject.KeyFingerprint,
    });

    /// <summary>What identity.verify must carry for this user's current keys.</summary>
    public string KeyFingerprint => MedLedger.Crypto.IdentityCards.KeyFingerprintHex(EncryptionPublic, SigningPublic);

    public LedgerTransaction Tx(string type, Dictionary<string, string> payload) =>
        LedgerTransaction.Create(type, Id, LedgerTransaction.RandomNonce(), 1_700_000_000_000, payload, Signing);
}

/// <summary>An orderer the test cuts by hand, so block boundaries are exact; batches arrive unverified.</summary>
internal sealed class ManualOrdering : IOrderingService
{
    private readonly Channel<OrderedBatch> _batches = Channel.CreateUnbounded<OrderedBatch>();
    private readonly List<LedgerTransaction> _pending = [];
    private readonly Lock _lock = new();

    /// <summary>Applied to each transaction when a batch is cut: an orderer that hands back something else than it was given.</summary>
    public Func<LedgerTransaction, LedgerTransaction>? Substitute { get; set; }

    public ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct)
    {
        lock (_lock)
        {
            _pending.Add(transaction);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until <paramref name="count"/> transactions are pending, then cuts them as one batch.</summary>
    public async Task CutAsync(int count)
    {
        for (var i = 0; i < 500; i++)
        {
            lock (_lock)
            {
                if (_pending.Count >= count)
                {
                    _batches.Writer.TryWrite(new OrderedBatch([.. _pending.Select(t => Substitute?.Invoke(t) ?? t)], false));
                    _pending.Clear();
                    return;
                }
            }
            await Task.Delay(10);
        }
        throw new TimeoutException($"{count} transactions never arrived");
    }

    public async IAsyncEnumerable<OrderedBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var b in _batches.Reader.ReadAllAsync(ct))
        {
            yield return b;
        }
    }

    public void Complete() => _batches.Writer.TryComplete();

    public ValueTask DisposeAsync()
    {
        Complete();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await PostgresCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
