using System.Text.Json;
using System.Text.Json.Serialization;

namespace MedLedger.Client;

// Wire shapes of the MedLedger API (see /openapi/v1.json). Kept separate from the server's types
// on purpose: the SDK must work against the documented API, not the server's internals.

public enum Role { Patient, Doctor, HospitalStaff, Pharmacist, InsurerStaff, PlatformAdmin }

public enum VerificationStatus { NotRequired, Pending, Approved, Rejected }

public enum OrganizationKind { Hospital, Pharmacy, Insurer }

public enum OtpMethod { Totp, Email }

public sealed record KdfParameters(string Algorithm, int Iterations, byte[] Salt);

public sealed record KeyBundleUpload(byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

public sealed record SignedTransaction(byte[] Transaction, byte[] Signature);

public sealed record NewOrganization(OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail);

public sealed record RegisterRequest(Guid UserId, string Email, Role Role, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration,
    Guid? OrganizationId = null, NewOrganization? NewOrganization = null, string? LicenseNumber = null, byte[]? EncryptedProfile = null);

public sealed record CreateAdminRequest(Guid UserId, string Email, byte[] AuthKey, KdfParameters Kdf, KeyBundleUpload Keys, SignedTransaction KeyRegistration);

public sealed record RegisterResponse(Guid UserId, Role Role, VerificationStatus Verification, Guid? OrganizationId, MedLedger.Ledger.LedgerReceipt KeyRegistrationReceipt);

public sealed record PreloginResponse(KdfParameters Kdf);

public sealed record LoginChallenge(string Ticket, IReadOnlyList<OtpMethod> Methods, DateTimeOffset ExpiresAt, bool EmailCodeSent);

public sealed record Me(Guid Id, string Email, Role Role, VerificationStatus Verification, string? VerificationReason, Guid? OrganizationId, bool TotpEnabled, bool CanAct, string? CannotActReason);

public sealed record Tokens(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, Me User);

public sealed record TotpEnrollment(string Secret, string OtpAuthUri, string QrPngBase64);

public sealed record OwnKeyBundle(Guid UserId, KdfParameters Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

public sealed record PublicKeys(Guid UserId, Role Role, byte[] SigningPublicKey, byte[] EncryptionPublicKey);

public sealed record Organization(Guid Id, OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, VerificationStatus Verification, string? VerificationReason);

public sealed record PendingOrganization(Guid Id, OrganizationKind Kind, string Name, string Address, DateTimeOffset CreatedAt);

public sealed record PendingProfessional(Guid UserId, Role Role, Guid? OrganizationId, string? LicenseNumber, DateTimeOffset CreatedAt);

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);

public sealed record PeerInfo(string PeerId, byte[] PublicKey);

public sealed record TransactionSummary(string Id, string Type, string ActorId, long TimestampMs, bool Valid, string? Reason, long LogIndex, long BlockHeight, IReadOnlyDictionary<string, string> Payload);

internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }
}
