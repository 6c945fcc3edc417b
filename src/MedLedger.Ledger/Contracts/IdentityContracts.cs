using System.Globalization;
using System.Security.Cryptography;

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the identity contracts (the key-transparency source of truth).</summary>
public static class IdentityKeys
{
    public static string Signing(string userId) => $"identity/user/{userId}/signing";
    public static string Encryption(string userId) => $"identity/user/{userId}/encryption";
    public static string Role(string userId) => $"identity/user/{userId}/role";
    public static string Version(string userId) => $"identity/user/{userId}/version";
    /// <summary>Id of the transaction that registered (or last rotated) the keys: a direct lookup for key-transparency receipts.</summary>
    public static string KeysTransaction(string userId) => $"identity/user/{userId}/keys-tx";
    public static string Verification(string kind, string subjectId) => $"identity/verification/{kind}/{subjectId}";
    public static string VerifiedBy(string kind, string subjectId) => $"identity/verification/{kind}/{subjectId}/by";
    /// <summary>Id of the newest identity.verify transaction about the subject: the receipt clients check before showing "verified".</summary>
    public static string VerificationTransaction(string kind, string subjectId) => $"identity/verification/{kind}/{subjectId}/tx";
}

public static class IdentityRoles
{
    public const string Patient = "Patient";
    public const string Doctor = "Doctor";
    public const string HospitalStaff = "HospitalStaff";
    public const string Pharmacist = "Pharmacist";
    public const string InsurerStaff = "InsurerStaff";
    public const string PlatformAdmin = "PlatformAdmin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
        { Patient, Doctor, HospitalStaff, Pharmacist, InsurerStaff, PlatformAdmin };
}

/// <summary>The keys the ledger holds for a user; compare with what a server hands out.</summary>
public sealed record RegisteredKeys(string UserId, byte[] SigningPublicKey, byte[] EncryptionPublicKey, string Role, int Version, string? Verification)
{
    public static RegisteredKeys? FromState(string userId, IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var s = state.Get(IdentityKeys.Signing(userId));
        var e = state.Get(IdentityKeys.Encryption(userId));
        if (s is null || e is null)
        {
            return null;
        }
        return new RegisteredKeys(userId, Convert.FromBase64String(s), Convert.FromBase64String(e),
            state.Get(IdentityKeys.Role(userId)) ?? "",
            int.Parse(state.Get(IdentityKeys.Version(userId)) ?? "1", CultureInfo.InvariantCulture),
            state.Get(IdentityKeys.Verification("user", userId)));
    }

    /// <summary>Constant-time comparison of a presented signing key with the registered one.</summary>
    public bool IsCurrentSigningKey(byte[] publicKey) =>
        publicKey is not null && CryptographicOperations.FixedTimeEquals(publicKey, SigningPublicKey);

    public bool IsCurrentEncryptionKey(byte[] publicKey) =>
        publicKey is not null && CryptographicOperations.FixedTimeEquals(publicKey, EncryptionPublicKey);
}

internal static class KeyChecks
{
    /// <summary>A base64 uncompressed P-256 point that really is on the curve.</summary>
    public static bool IsP256PublicKey(string? b64)
    {
        if (b64 is null)
        {
            return false;
        }
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            return false;
        }
        if (raw.Length != LedgerCrypto.PublicKeySize || raw[0] != 4 || Convert.ToBase64String(raw) != b64)
        {
            return false;
        }
        try
        {
            using var k = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = raw[1..33], Y = raw[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// identity.register-keys — payload userId, signingKey, encryptionKey (base64 SEC1), role.
/// The actor is the user and the transaction is signed by the signing key being registered
/// (proof of possession). Refused if the user already has keys.
/// </summary>
public sealed class RegisterKeysContract : LedgerContract
{
    public const string TypeName = "identity.register-keys";
    public override string Type => TypeName;

    /// <summary>The payload a client signs to register its keys (the layout this contract and the server check).</summary>
    public static Dictionary<string, string> Payload(Guid userId, string role, byte[] signingPublicKey, byte[] encryptionPublicKey) => new()
    {
        ["userId"] = userId.ToString(),
        ["role"] = role,
        ["signingKey"] = Convert.ToBase64String(signingPublicKey),
        ["encryptionKey"] = Convert.ToBase64String(encryptionPublicKey),
    };

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.ActorId != tx.Get("userId"))
        {
            return LedgerRejection.Forbidden("a user registers only their own keys");
        }
        return tx.Get("signingKey") == Convert.ToBase64String(tx.SignerPublicKey)
            ? null
            : new LedgerRejection(LedgerRejectionKind.BadSignature, "must be signed by the signing key being registered");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        LedgerRejection? r = null;
        var user = Required(tx, "userId", ref r);
        var role = Required(tx, "role", ref r);
        if (r is not null)
        {
            return r;
        }
        if (!KeyChecks.IsP256PublicKey(tx.Get("signingKey")) || !KeyChecks.IsP256PublicKey(tx.Get("encryptionKey")))
        {
            return LedgerRejection.Malformed("signingKey and encryptionKey must be base64 uncompressed P-256 public keys");
        }
        if (!IdentityRoles.All.Contains(role!))
        {
            return LedgerRejection.Malformed($"unknown role '{role}'");
        }
        return state.Get(IdentityKeys.Signing(user!)) is not null
            ? LedgerRejection.Conflict($"user {user} already has registered keys; rotate them instead")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var user = tx.Get("userId")!;
        state.Put(IdentityKeys.Signing(user), tx.Get("signingKey")!);
        state.Put(IdentityKeys.Encryption(user), tx.Get("encryptionKey")!);
        state.Put(IdentityKeys.Role(user), tx.Get("role")!);
        state.Put(IdentityKeys.Version(user), "1");
        state.Put(IdentityKeys.KeysTransaction(user), tx.Id);
        state.Put(IdentityHistoryKeys.KeyVersion(user, 1), tx.Id);
    }
}

/// <summary>
/// identity.verify — payload subjectId, subjectKind (user|organization), decision (approved|rejected).
/// A professional (any user but a platform admin) is decided only by a verified PlatformAdmin signing with their own
/// registered key, over cardHash (<see cref="MedLedger.Crypto.IdentityCards.Hash"/> of the card the admin checked) and
/// keyFingerprint (the professional's registered keys, checked here): a peer cannot vouch for a person. An organization
/// likewise, over cardHash (<see cref="MedLedger.Crypto.OrganizationCards.Hash"/>; the ledger holds no organization
/// state, so the server checks the hash against the directory and clients against what they are shown). Only the
/// bootstrap approval of an admin (the operator's `admin create`) may still be a peer-signed system event.
/// </summary>
public sealed class VerifyContract : LedgerContract
{
    public const string TypeName = "identity.verify";
    public override string Type => TypeName;

    /// <summary>The payload an admin's client signs to decide a professional (the layout this contract checks).</summary>
    public static Dictionary<string, string> ProfessionalPayload(Guid subjectId, bool approve, string cardHash, string keyFingerprint) => new()
    {
        ["subjectId"] = subjectId.ToString(),
        ["subjectKind"] = "user",
        ["decision"] = approve ? "approved" : "rejected",
        ["cardHash"] = cardHash,
        ["keyFingerprint"] = keyFingerprint,
    };

    private static bool IsProfessional(LedgerTransaction tx, IStateReader state) =>
        tx.Get("subjectKind") == "user" && tx.Get("subjectId") is { } subject
        && state.Get(IdentityKeys.Role(subject)) is { } role && role != IdentityRoles.PlatformAdmin;

    /// <summary>The payload an admin's client signs to decide an organization (the layout this contract checks).</summary>
    public static Dictionary<string, string> OrganizationPayload(Guid organizationId, bool approve, string cardHash) => new()
    {
        ["subjectId"] = organizationId.ToString(),
        ["subjectKind"] = "organization",
        ["decision"] = approve ? "approved" : "rejected",
        ["cardHash"] = cardHash,
    };

    private static bool IsOrganization(LedgerTransaction tx) => tx.Get("subjectKind") == "organization";

    private static bool IsLowerHexSha256(string? s) => s is { Length: 64 } && s.All(char.IsAsciiHexDigitLower);

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var signer = LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context);
        if (signer is not null)
        {
            return signer;
        }
        if (IsProfessional(tx, state))
        {
            return !tx.IsSystemEvent && LedgerAuthorization.IsAdmin(tx.ActorId, state)
                ? null
                : LedgerRejection.Forbidden("a professional is verified only by a platform admin's own signature");
        }
        if (IsOrganization(tx))
        {
            return !tx.IsSystemEvent && LedgerAuthorization.IsAdmin(tx.ActorId, state)
                ? null
                : LedgerRejection.Forbidden("an organization is verified only by a platform admin's own signature");
        }
        if (tx.IsSystemEvent)
        {
            return null;
        }
        return LedgerAuthorization.IsAdmin(tx.ActorId, state) ? null : LedgerRejection.Forbidden("only a verified platform admin or a peer may verify");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        LedgerRejection? r = null;
        var subject = Required(tx, "subjectId", ref r);
        var kind = Required(tx, "subjectKind", ref r);
        var decision = Required(tx, "decision", ref r);
        if (r is not null)
        {
            return r;
        }
        if (kind is not ("user" or "organization"))
        {
            return LedgerRejection.Malformed("subjectKind must be user or organization");
        }
        if (decision is not ("approved" or "rejected"))
        {
            return LedgerRejection.Malformed("decision must be approved or rejected");
        }
        if (kind == "user" && state.Get(IdentityKeys.Signing(subject!)) is null)
        {
            return LedgerRejection.Conflict($"user {subject} has no registered keys");
        }
        if (kind == "organization")
        {
            return IsLowerHexSha256(tx.Get("cardHash")) ? null : LedgerRejection.Malformed("cardHash must be 64 lower-case hex digits");
        }
        if (!IsProfessional(tx, state))
        {
            return null;
        }
        var cardHash = Required(tx, "cardHash", ref r);
        var fingerprint = Required(tx, "keyFingerprint", ref r);
        if (r is not null)
        {
            return r;
        }
        if (!IsLowerHexSha256(cardHash))
        {
            return LedgerRejection.Malformed("cardHash must be 64 lower-case hex digits");
        }
        var registered = MedLedger.Crypto.IdentityCards.KeyFingerprintHex(
            Convert.FromBase64String(state.Get(IdentityKeys.Encryption(subject!))!), Convert.FromBase64String(state.Get(IdentityKeys.Signing(subject!))!));
        return fingerprint == registered
            ? null
            : LedgerRejection.Conflict($"keyFingerprint is not the fingerprint of user {subject}'s registered keys");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var kind = tx.Get("subjectKind")!;
        var subject = tx.Get("subjectId")!;
        state.Put(IdentityKeys.Verification(kind, subject), tx.Get("decision")!);
        state.Put(IdentityKeys.VerifiedBy(kind, subject), tx.ActorId);
        state.Put(IdentityKeys.VerificationTransaction(kind, subject), tx.Id);
    }
}

/// <summary>
/// identity.rotate-keys — payload userId, signingKey, encryptionKey (the new keys). Signed by the
/// user's CURRENT signing key; afterwards only the new key can act for the user.
/// </summary>
public sealed class RotateKeysContract : LedgerContract
{
    public const string TypeName = "identity.rotate-keys";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.IsSystemEvent || tx.ActorId != tx.Get("userId"))
        {
            return LedgerRejection.Forbidden("a user rotates only their own keys");
        }
        return LedgerAuthorization.RequireActorKey(tx, state);
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (!KeyChecks.IsP256PublicKey(tx.Get("signingKey")) || !KeyChecks.IsP256PublicKey(tx.Get("encryptionKey")))
        {
            return LedgerRejection.Malformed("signingKey and encryptionKey must be base64 uncompressed P-256 public keys");
        }
        return tx.Get("signingKey") == state.Get(IdentityKeys.Signing(tx.ActorId))
            ? LedgerRejection.Conflict("the new signing key equals the current one")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var user = tx.ActorId;
        var version = int.Parse(state.Get(IdentityKeys.Version(user)) ?? "1", CultureInfo.InvariantCulture);
        state.Put(IdentityKeys.Signing(user), tx.Get("signingKey")!);
        state.Put(IdentityKeys.Encryption(user), tx.Get("encryptionKey")!);
        state.Put(IdentityKeys.Version(user), (version + 1).ToString(CultureInfo.InvariantCulture));
        state.Put(IdentityKeys.KeysTransaction(user), tx.Id);
        state.Put(IdentityHistoryKeys.KeyVersion(user, version + 1), tx.Id);
    }
}
