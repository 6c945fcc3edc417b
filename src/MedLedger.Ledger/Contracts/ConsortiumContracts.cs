using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Crypto;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// Where the ledger keeps the consortium that certifies it (docs/ledger.md "Consortium membership"): public keys
/// and ids of organisations' peers, public directory data, never patient data.
/// </summary>
public static class ConsortiumKeys
{
    /// <summary>Prefix of "consortium/member/&lt;peerId&gt;" = base64 of the member's 65-byte ledger key.</summary>
    public const string MemberPrefix = "consortium/member/";
    public const string Threshold = "consortium/threshold";
    /// <summary>The genesis transaction's id (present once the membership is pinned).</summary>
    public const string Genesis = "consortium/genesis";
    /// <summary>Approvers so far of one add-peer proposal: member ids, ordinal order, comma-separated.</summary>
    public static string Proposal(string digest) => $"consortium/proposal/{digest}";
    public static string Member(string peerId) => MemberPrefix + peerId;
}

/// <summary>Reads the consortium the ledger state pins (null before genesis).</summary>
public static class ConsortiumState
{
    public static ConsortiumView? Read(IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Get(ConsortiumKeys.Threshold) is not { } k)
        {
            return null;
        }
        var members = state.Scan(ConsortiumKeys.MemberPrefix, 1000)
            .Select(e => new ConsortiumMember(e.Key[ConsortiumKeys.MemberPrefix.Length..], Convert.FromBase64String(e.Value)));
        return new ConsortiumView(members, int.Parse(k, CultureInfo.InvariantCulture));
    }

    internal static void Write(IStateWriter state, ConsortiumView view)
    {
        foreach (var m in view.Members)
        {
            state.Put(ConsortiumKeys.Member(m.PeerId), Convert.ToBase64String(m.PublicKey));
        }
        state.Put(ConsortiumKeys.Threshold, view.Threshold.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A system event is a member's act when its actor "peer:&lt;id&gt;" is a member of <paramref name="view"/> and it
    /// is signed with that member's key in the view (never the configured keys of whichever peer runs the contract).
    /// </summary>
    internal static LedgerRejection? RequireMember(LedgerTransaction tx, ConsortiumView view)
    {
        if (!tx.IsSystemEvent)
        {
            return LedgerRejection.Forbidden("consortium transactions are signed by a member peer (actor peer:<id>)");
        }
        var peerId = tx.ActorId[LedgerTransaction.SystemActorPrefix.Length..];
        if (view.KeyOf(peerId) is not { } key)
        {
            return LedgerRejection.Forbidden($"peer {peerId} is not a member of the consortium");
        }
        return key.AsSpan().SequenceEqual(tx.SignerPublicKey)
            ? null
            : new LedgerRejection(LedgerRejectionKind.BadSignature, $"not signed with member {peerId}'s key");
    }
}

/// <summary>
/// consortium.genesis — payload threshold, members (count n), member.&lt;i&gt; (peer id) and key.&lt;i&gt; (base64
/// 65-byte key) for i in 0..n-1: pins the consortium that certifies every later block. Valid once per ledger; signed
/// by one of the members it names, with that member's key in the payload. Every peer submits it at start and the
/// first one ordered wins (the others are conflicts); each peer then halts unless the pinned view is the one in its
/// consortium file, so members that disagree about the consortium never certify a block together.
/// </summary>
public sealed class ConsortiumGenesisContract : LedgerContract
{
    public const string TypeName = "consortium.genesis";
    public const int MaxMembers = 31;
    public override string Type => TypeName;

    public static Dictionary<string, string> Payload(ConsortiumView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var payload = new Dictionary<string, string>
        {
            ["threshold"] = view.Threshold.ToString(CultureInfo.InvariantCulture),
            ["members"] = view.Members.Count.ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < view.Members.Count; i++)
        {
            payload[$"member.{i}"] = view.Members[i].PeerId;
            payload[$"key.{i}"] = Convert.ToBase64String(view.Members[i].PublicKey);
        }
        return payload;
    }

    /// <summary>The view a genesis payload names, or the reason it names none.</summary>
    public static ConsortiumView? ParseView(LedgerTransaction tx, out LedgerRejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(tx);
        rejection = null;
        if (!int.TryParse(tx.Get("threshold"), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || !int.TryParse(tx.Get("members"), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n is < 1 or > MaxMembers || tx.Payload.Count != 2 + (2 * n))
        {
            rejection = LedgerRejection.Malformed($"payload must be threshold, members (1..{MaxMembers}) and member.i/key.i for each member");
            return null;
        }
        var members = new List<ConsortiumMember>(n);
        for (var i = 0; i < n; i++)
        {
            var id = tx.Get($"member.{i}");
            var key = tx.Get($"key.{i}");
            byte[]? raw = null;
            if (id is null || key is null || !TryBase64(key, out raw))
            {
                rejection = LedgerRejection.Malformed($"member.{i} and key.{i} (base64) are required");
                return null;
            }
            members.Add(new ConsortiumMember(id, raw!));
        }
        try
        {
            return new ConsortiumView(members, k);
        }
        catch (ArgumentException e)
        {
            rejection = LedgerRejection.Malformed(e.Message);
            return null;
        }
    }

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        var view = ParseView(tx, out var malformed);
        return view is null ? malformed : ConsortiumState.RequireMember(tx, view);
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Get(ConsortiumKeys.Genesis) is { } first
            ? LedgerRejection.Conflict($"the consortium was pinned at genesis by {first}")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        ConsortiumState.Write(state, ParseView(tx, out _)!);
        state.Put(ConsortiumKeys.Genesis, tx.Id);
    }

    public override IEnumerable<string> Subjects(LedgerTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return [tx.ActorId];
    }

    internal static bool TryBase64(string s, out byte[]? bytes)
    {
        bytes = null;
        try
        {
            bytes = Convert.FromBase64String(s);
            return Convert.ToBase64String(bytes) == s;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// consortium.add-peer — payload peerId, publicKey (base64 65-byte key), threshold (the new k), view (fingerprint of
/// the consortium it amends): one member's approval of adding a peer. Each member signs its own; the peer joins in the
/// block where approvals of the same proposal by k distinct members of the current view are complete, and certifies
/// from the next block on. Binding the proposal to the current view's fingerprint means an approval never carries over
/// to a later view. A second approval by the same member, a proposal for a current member, a key a member already
/// uses, or a threshold that is not a majority of the new membership is refused.
/// </summary>
public sealed class ConsortiumAddPeerContract : LedgerContract
{
    public const string TypeName = "consortium.add-peer";
    /// <summary>Domain of the bytes whose SHA-256 (first 32 hex digits) names a proposal: view fingerprint, peer id, key, threshold.</summary>
    public const string ProposalDomain = "medledger.ledger.consortium-add-peer.v1";
    public override string Type => TypeName;

    public static Dictionary<string, string> Payload(ConsortiumView current, ConsortiumMember candidate, int threshold)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(candidate);
        return new Dictionary<string, string>
        {
            ["peerId"] = candidate.PeerId,
            ["publicKey"] = Convert.ToBase64String(candidate.PublicKey),
            ["threshold"] = threshold.ToString(CultureInfo.InvariantCulture),
            ["view"] = current.Fingerprint,
        };
    }

    /// <summary>
    /// The proposal an approval names, checked against <paramref name="current"/>: the resulting view and the
    /// proposal's digest (what approvals are counted under), or the reason it is refused.
    /// </summary>
    public static (ConsortiumView? Next, string? Digest, LedgerRejection? Rejection) Proposal(LedgerTransaction tx, ConsortiumView current)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(current);
        var peerId = tx.Get("peerId");
        var key = tx.Get("publicKey");
        var fingerprint = tx.Get("view");
        if (peerId is null || key is null || fingerprint is null || tx.Payload.Count != 4
            || !int.TryParse(tx.Get("threshold"), NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || !ConsortiumGenesisContract.TryBase64(key, out var raw))
        {
            return (null, null, LedgerRejection.Malformed("payload must be peerId, publicKey (base64), threshold and view"));
        }
        if (fingerprint != current.Fingerprint)
        {
            return (null, null, LedgerRejection.Conflict($"the proposal amends consortium {fingerprint}; the current one is {current.Fingerprint}"));
        }
        if (current.IsMember(peerId))
        {
            return (null, null, LedgerRejection.Conflict($"peer {peerId} is already a member"));
        }
        if (current.Members.Count >= ConsortiumGenesisContract.MaxMembers)
        {
            return (null, null, LedgerRejection.Conflict($"the consortium already has {ConsortiumGenesisContract.MaxMembers} members"));
        }
        ConsortiumView next;
        try
        {
            next = current.WithMember(new ConsortiumMember(peerId, raw!), k);
        }
        catch (ArgumentException e)
        {
            return (null, null, LedgerRejection.Malformed(e.Message));
        }
        var digest = Convert.ToHexStringLower(SHA256.HashData(new CanonicalWriter(ProposalDomain)
            .String(current.Fingerprint).String(peerId).Bytes(raw).Int64(k).ToArray()))[..32];
        return (next, digest, null);
    }

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return ConsortiumState.Read(state) is { } view
            ? ConsortiumState.RequireMember(tx, view)
            : LedgerRejection.Forbidden("no consortium was pinned at genesis on this ledger");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var (_, digest, rejection) = Proposal(tx, ConsortiumState.Read(state)!);
        if (rejection is not null)
        {
            return rejection;
        }
        var approver = tx.ActorId[LedgerTransaction.SystemActorPrefix.Length..];
        return Approvers(state, digest!).Contains(approver)
            ? LedgerRejection.Conflict($"member {approver} already approved this proposal")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var current = ConsortiumState.Read(state)!;
        var (next, digest, _) = Proposal(tx, current);
        var approvers = Approvers(state, digest!);
        approvers.Add(tx.ActorId[LedgerTransaction.SystemActorPrefix.Length..]);
        if (approvers.Count >= current.Threshold)
        {
            ConsortiumState.Write(state, next!);
            state.Delete(ConsortiumKeys.Proposal(digest!));
        }
        else
        {
            state.Put(ConsortiumKeys.Proposal(digest!), string.Join(',', approvers.Order(StringComparer.Ordinal)));
        }
    }

    public override IEnumerable<string> Subjects(LedgerTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.Get("peerId") is { Length: > 0 } peerId ? [tx.ActorId, LedgerTransaction.SystemActorPrefix + peerId] : [tx.ActorId];
    }

    private static HashSet<string> Approvers(IStateReader state, string digest) =>
        state.Get(ConsortiumKeys.Proposal(digest)) is { Length: > 0 } s ? [.. s.Split(',')] : new HashSet<string>(StringComparer.Ordinal);
}
