using MedLedger.Server.Features.Accounts;

namespace MedLedger.Server.Features.Ledger;

/// <summary>Bridges identity events (key registration, verification decisions) to the ledger.</summary>
public sealed class IdentityLedger
{
    // TODO(integration): wire to MedLedger.Ledger once the ledger core lands.
    public Task RegisterKeysAsync(Guid userId, Role role, KeyBundleUpload keys, string? signedTransaction, CancellationToken ct) => Task.CompletedTask;

    public Task RecordVerificationAsync(Guid adminId, Guid subjectId, string subjectKind, bool approved, CancellationToken ct) => Task.CompletedTask;
}
