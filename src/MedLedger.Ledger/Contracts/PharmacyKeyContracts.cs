namespace MedLedger.Ledger.Contracts;

public static class PharmacyKeys
{
    public static string OrganizationKey(string pharmacyId) => $"pharmacy-key/{pharmacyId}";
    public static string OrganizationKeyTransaction(string pharmacyId) => $"pharmacy-key/{pharmacyId}/tx";
}

/// <summary>
/// pharmacy.organization-key — payload pharmacyId, publicKey (base64 uncompressed P-256). The pharmacy's organization
/// key, as emergency.hospital-key is a hospital's: signed by a verified pharmacist (the server checks the pharmacist
/// belongs to that pharmacy), it anchors the key patients seal their orders for, so a server cannot substitute its own.
/// </summary>
public sealed class PharmacyOrganizationKeyContract : UserSignedContract
{
    public const string TypeName = "pharmacy.organization-key";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 2 || ContractChecks.RequireIds(tx, "pharmacyId") is not null)
        {
            return LedgerRejection.Malformed("a pharmacy key carries exactly pharmacyId (UUID) and publicKey");
        }
        if (!KeyChecks.IsP256PublicKey(tx.Get("publicKey")))
        {
            return LedgerRejection.Malformed("publicKey must be a base64 uncompressed P-256 public key");
        }
        return ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist)
            ? null
            : LedgerRejection.Forbidden("only a verified pharmacist publishes a pharmacy's organization key");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(PharmacyKeys.OrganizationKey(tx.Get("pharmacyId")!), tx.Get("publicKey")!);
        state.Put(PharmacyKeys.OrganizationKeyTransaction(tx.Get("pharmacyId")!), tx.Id);
    }
}
