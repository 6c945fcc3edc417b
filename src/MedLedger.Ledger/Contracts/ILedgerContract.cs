namespace MedLedger.Ledger.Contracts;

/// <summary>
/// Read-only view of contract state. Keys are printable ASCII without spaces (ordinal order, so a
/// prefix scan means the same in SQLite, PostgreSQL and memory); values are strings.
/// Within a block, reads see the writes of earlier transactions of the same block.
/// </summary>
public interface IStateReader
{
    string? Get(string key);

    /// <summary>Entries whose key starts with <paramref name="prefix"/>, ordinal order, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit = 1000);
}

public interface IStateWriter : IStateReader
{
    void Put(string key, string value);
    void Delete(string key);
}

/// <summary>What a contract may know besides state: no clock, no randomness (use tx.TimestampMs).</summary>
public sealed class ContractContext
{
    internal ContractContext(long blockHeight, string peerId, IReadOnlyDictionary<string, byte[]> peerKeys)
    {
        BlockHeight = blockHeight;
        PeerId = peerId;
        PeerKeys = peerKeys;
    }

    public long BlockHeight { get; }
    /// <summary>The peer cutting this block.</summary>
    public string PeerId { get; }
    /// <summary>Public keys of every consortium peer, by peer id.</summary>
    public IReadOnlyDictionary<string, byte[]> PeerKeys { get; }

    /// <summary>True when tx is a system event ("peer:&lt;id&gt;") signed by that peer's key.</summary>
    public bool IsSignedByPeer(LedgerTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.IsSystemEvent
            && PeerKeys.TryGetValue(tx.ActorId[LedgerTransaction.SystemActorPrefix.Length..], out var key)
            && key.AsSpan().SequenceEqual(tx.SignerPublicKey);
    }
}

/// <summary>
/// The rules for one transaction type. Must be deterministic: same state + same transaction =>
/// same verdict and same writes, on every peer and in the verifier's replay.
/// The committer calls Authorize, then Validate, then Apply (only if both returned null).
/// </summary>
public interface ILedgerContract
{
    string Type { get; }

    /// <summary>May tx.SignerPublicKey act as tx.ActorId for this transaction? Null = yes.</summary>
    LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context);

    /// <summary>Checks the payload against state. Null = valid.</summary>
    LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context);

    /// <summary>Writes the effects. Only called for a valid transaction.</summary>
    void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context);

    /// <summary>Ids this transaction is about, indexed for "transactions that mention me".</summary>
    IEnumerable<string> Subjects(LedgerTransaction tx);
}

/// <summary>
/// Convenient base: by default a transaction must be signed by the actor's currently registered
/// signing key (identity contracts) or be a system event signed by a peer, and its subjects are
/// the actor plus every payload value whose key is "id" or ends with "Id".
/// </summary>
public abstract class LedgerContract : ILedgerContract
{
    public abstract string Type { get; }

    public virtual LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context);

    public abstract LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context);

    public abstract void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context);

    public virtual IEnumerable<string> Subjects(LedgerTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        yield return tx.ActorId;
        foreach (var (k, v) in tx.Payload)
        {
            if ((k == "id" || k.EndsWith("Id", StringComparison.Ordinal)) && v.Length > 0)
            {
                yield return v;
            }
        }
    }

    /// <summary>Helper: a required payload value, or a Malformed rejection via <paramref name="rejection"/>.</summary>
    protected static string? Required(LedgerTransaction tx, string key, ref LedgerRejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var v = tx.Get(key);
        if (string.IsNullOrEmpty(v))
        {
            rejection ??= LedgerRejection.Malformed($"payload '{key}' is required");
        }
        return v;
    }
}

/// <summary>Signer checks shared by contracts.</summary>
public static class LedgerAuthorization
{
    public static LedgerRejection? RequireActorKeyOrPeer(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(context);
        if (tx.IsSystemEvent)
        {
            return context.IsSignedByPeer(tx) ? null : new LedgerRejection(LedgerRejectionKind.BadSignature, "system event not signed by that peer's key");
        }
        return RequireActorKey(tx, state);
    }

    /// <summary>The signer must be the actor's current signing key as registered on the ledger.</summary>
    public static LedgerRejection? RequireActorKey(LedgerTransaction tx, IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var registered = state.Get(IdentityKeys.Signing(tx.ActorId));
        if (registered is null)
        {
            return LedgerRejection.Forbidden($"actor {tx.ActorId} has no registered signing key");
        }
        return registered == Convert.ToBase64String(tx.SignerPublicKey)
            ? null
            : new LedgerRejection(LedgerRejectionKind.BadSignature, "signed by a key that is not the actor's current signing key");
    }

    /// <summary>A registered PlatformAdmin whose verification was approved.</summary>
    public static bool IsAdmin(string userId, IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Get(IdentityKeys.Role(userId)) == IdentityRoles.PlatformAdmin
            && state.Get(IdentityKeys.Verification("user", userId)) == "approved";
    }
}

/// <summary>One contract per transaction type.</summary>
public sealed class ContractRegistry
{
    private readonly Dictionary<string, ILedgerContract> _contracts = new(StringComparer.Ordinal);

    /// <summary>A registry holding the identity contracts (register-keys, verify, rotate-keys, standing, org-standing).</summary>
    public static ContractRegistry WithIdentity() =>
        new ContractRegistry().Add(new RegisterKeysContract()).Add(new VerifyContract()).Add(new RotateKeysContract()).Add(new StandingContract())
            .Add(new OrganizationStandingContract());

    public ContractRegistry Add(ILedgerContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (!LedgerTransaction.IsName(contract.Type))
        {
            throw new ArgumentException($"Contract type '{contract.Type}' is not a valid name.", nameof(contract));
        }
        if (!_contracts.TryAdd(contract.Type, contract))
        {
            throw new InvalidOperationException($"A contract for '{contract.Type}' is already registered.");
        }
        return this;
    }

    public ILedgerContract? Find(string type) => _contracts.GetValueOrDefault(type);

    public IReadOnlyCollection<string> Types => _contracts.Keys;
}
