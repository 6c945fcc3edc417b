using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// Identity events on the ledger: a user's own signed key registration (key transparency:
/// the keys the server hands out must be the ones on the ledger) and admin verification decisions.
/// </summary>
public sealed class IdentityLedger(LedgerGateway gateway, LedgerRollForward rollForward)
{
    /// <summary>Commits the key registration and then writes <paramref name="rows"/> (the account), rolled forward after a crash.</summary>
    public async Task<LedgerReceipt> RegisterKeysAsync(Guid userId, Role role, KeyBundleUpload keys, SignedTransactionDto? signed, AccountRows rows, CancellationToken ct) =>
        await rollForward.SubmitAsync(CheckKeyRegistration(userId, role, keys, signed), rows, ct);

    /// <summary>
    /// The checks of <see cref="RegisterKeysAsync"/> without committing: registration start refuses a key registration
    /// that could never commit, before anything is stored or emailed.
    /// </summary>
    public static LedgerTransaction CheckKeyRegistration(Guid userId, Role role, KeyBundleUpload keys, SignedTransactionDto? signed)
    {
        var tx = LedgerGateway.Expect(signed, RegisterKeysContract.TypeName, userId);
        var v = new Validator();
        v.Require(tx.Get("userId") == userId.ToString(), "keyRegistration", "The key registration names a different user.");
        v.Require(tx.Get("role") == role.ToString(), "keyRegistration", "The key registration names a different role.");
        v.Require(tx.Get("signingKey") == Convert.ToBase64String(keys.SigningPublicKey), "keyRegistration", "The key registration's signing key differs from the uploaded one.");
        v.Require(tx.Get("encryptionKey") == Convert.ToBase64String(keys.EncryptionPublicKey), "keyRegistration", "The key registration's encryption key differs from the uploaded one.");
        v.ThrowIfInvalid();
        return tx;
    }

    /// <summary>A peer-signed decision (only the bootstrap approval of an admin); <paramref name="rows"/> is the subject's row state it leads to (rolled forward after a crash).</summary>
    public Task<LedgerReceipt> RecordVerificationAsync(Guid adminId, VerificationRows rows, bool approved, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var tx = gateway.Peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string>
        {
            ["subjectId"] = rows.SubjectId.ToString(),
            ["subjectKind"] = rows.SubjectKind,
            ["decision"] = approved ? "approved" : "rejected",
            ["adminId"] = adminId.ToString(),
        });
        return rollForward.SubmitAsync(tx, rows, ct);
    }

    /// <summary>
    /// An admin's own signed decision about a professional. The server checks it names this subject, this decision and
    /// the card it stores (so the admin decided on what the directory shows); the contract checks the admin and the key fingerprint.
    /// </summary>
    public async Task<LedgerReceipt> RecordProfessionalVerificationAsync(Guid adminId, Guid subjectId, bool approved, string cardHash, SignedTransactionDto? signed, VerificationRows rows, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(signed, VerifyContract.TypeName, adminId);
        var v = new Validator();
        v.Require(tx.Get("subjectId") == subjectId.ToString() && tx.Get("subjectKind") == "user", "transaction", "The verification names a different subject.");
        v.Require(tx.Get("decision") == (approved ? "approved" : "rejected"), "transaction", "The verification's decision differs from the request.");
        v.Require(tx.Get("cardHash") == cardHash, "transaction", "The verification signs a different identity card than the directory holds.");
        v.ThrowIfInvalid();
        return await rollForward.SubmitAsync(tx, rows, ct);
    }

    /// <summary>
    /// An admin's own signed decision about an organization. The server checks it names this organization, this decision
    /// and the card the directory stores (so the admin decided on what the directory shows); the contract checks the admin.
    /// </summary>
    public async Task<LedgerReceipt> RecordOrganizationVerificationAsync(Guid adminId, Guid organizationId, bool approved, string cardHash, SignedTransactionDto? signed, VerificationRows rows, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(signed, VerifyContract.TypeName, adminId);
        var v = new Validator();
        v.Require(tx.Get("subjectId") == organizationId.ToString() && tx.Get("subjectKind") == "organization", "transaction", "The verification names a different subject.");
        v.Require(tx.Get("decision") == (approved ? "approved" : "rejected"), "transaction", "The verification's decision differs from the request.");
        v.Require(tx.Get("cardHash") == cardHash, "transaction", "The verification signs a different organization card than the directory holds.");
        v.ThrowIfInvalid();
        return await rollForward.SubmitAsync(tx, rows, ct);
    }

    /// <summary>
    /// An admin suspended or reinstated a user: recorded so clients notice a withdrawn approval from the ledger, not from the
    /// server's directory (which simply stops serving the card).
    /// </summary>
    public Task<LedgerReceipt> RecordStandingAsync(Guid subjectId, bool suspended, CancellationToken ct) =>
        gateway.SubmitSystemEventAsync(StandingContract.TypeName, StandingContract.Payload(subjectId, suspended), ct);

    /// <summary>Receipt of the newest identity.verify about a user, or null when none was committed.</summary>
    public async Task<LedgerReceipt?> VerificationReceiptAsync(Guid userId, CancellationToken ct)
    {
        var txId = await gateway.Peer.Queries.GetStateAsync(IdentityKeys.VerificationTransaction("user", userId.ToString()), ct);
        return txId is null ? null : await gateway.Peer.Queries.GetReceiptAsync(txId, ct);
    }

    /// <summary>Key transparency check: are these the keys the ledger holds for the user?</summary>
    public async Task<bool> MatchesLedgerAsync(Guid userId, byte[] signingKey, byte[] encryptionKey, CancellationToken ct)
    {
        var registered = await gateway.Peer.Queries.GetRegisteredKeysAsync(userId.ToString(), ct);
        return registered is not null && registered.IsCurrentSigningKey(signingKey) && registered.IsCurrentEncryptionKey(encryptionKey);
    }
}
