using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Client KDF parameters; public by design so any device can derive the same keys.</summary>
public sealed record KdfParametersDto(string Algorithm, int Iterations, byte[] Salt);

/// <summary>Keys made on the user's device. Private keys arrive only wrapped, as opaque bytes.</summary>
public sealed record KeyBundleUpload(
    byte[] SigningPublicKey,
    byte[] EncryptionPublicKey,
    byte[] PasswordWrappedPrivateKeys,
    byte[] RecoveryWrappedPrivateKeys);

/// <summary>
/// The client chooses the user id (a random UUID) because it signs the ledger key registration
/// for that id before the server has seen it.
/// </summary>
public sealed record RegisterRequest(
    Guid UserId,
    string Email,
    Role Role,
    byte[] AuthKey,
    KdfParametersDto Kdf,
    KeyBundleUpload Keys,
    SignedTransactionDto KeyRegistration,
    Guid? OrganizationId = null,
    NewOrganizationDto? NewOrganization = null,
    string? LicenseNumber = null,
    byte[]? EncryptedProfile = null,
    string? DisplayName = null,
    string? Specialty = null);

/// <summary>The answer to a registration start, the same for a fresh and a taken email: a random ticket to confirm with the emailed code.</summary>
public sealed record RegistrationStartResponse(string Ticket);

public sealed record RegistrationConfirmRequest(string Ticket, string Code);

public sealed record RegisterResponse(Guid UserId, Role Role, VerificationStatus Verification, Guid? OrganizationId, MedLedger.Ledger.LedgerReceipt KeyRegistrationReceipt);

public sealed record PreloginRequest(string Email);

public sealed record PreloginResponse(KdfParametersDto Kdf);

public sealed record LoginRequest(string Email, byte[] AuthKey);

/// <summary>Step one passed; finish with a one-time code. When TOTP is not enrolled an emailed code was sent.</summary>
public sealed record LoginChallengeResponse(string Ticket, IReadOnlyList<OtpMethod> Methods, DateTimeOffset ExpiresAt, bool EmailCodeSent);

public sealed record EmailCodeRequest(string Ticket);

public sealed record VerifyOtpRequest(string Ticket, OtpMethod Method, string Code);

public sealed record TokenResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, MeResponse User);

public sealed record RefreshRequest(string RefreshToken);

/// <summary>A single-use credential for the next hub connection (?access_token=), valid for seconds.</summary>
public sealed record HubTicketResponse(string Ticket, DateTimeOffset ExpiresAt);

public sealed record MeResponse(Guid Id, string Email, Role Role, VerificationStatus Verification, string? VerificationReason, Guid? OrganizationId, bool TotpEnabled, bool CanAct, string? CannotActReason);

public sealed record TotpEnrollmentResponse(string Secret, string OtpAuthUri, string QrPngBase64);

/// <summary>Re-authentication for TOTP enrolment: the current password's auth key, so a stolen session cannot bind its own authenticator.</summary>
public sealed record TotpEnrollRequest(byte[] CurrentAuthKey);

public sealed record TotpConfirmRequest(string Code);

public sealed record OwnKeyBundleResponse(Guid UserId, KdfParametersDto Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] PasswordWrappedPrivateKeys, byte[] RecoveryWrappedPrivateKeys);

public sealed record PublicKeysResponse(Guid UserId, Role Role, byte[] SigningPublicKey, byte[] EncryptionPublicKey);

public sealed record CreateAdminRequest(Guid UserId, string Email, byte[] AuthKey, KdfParametersDto Kdf, KeyBundleUpload Keys, SignedTransactionDto KeyRegistration);

public sealed record UserLookupRequest(string Email);

/// <summary>
/// A professional's public identity card with their public keys and the ledger receipt of the newest admin
/// verification (null when none). Clients check the receipt, the card hash and the key fingerprint it signs before
/// they show "verified" (docs/threat-model.md).
/// </summary>
public sealed record IdentityCardResponse(
    Guid UserId,
    Role Role,
    string? DisplayName,
    string? LicenceNumber,
    string? Specialty,
    Guid? OrganizationId,
    string? OrganizationName,
    byte[] SigningPublicKey,
    byte[] EncryptionPublicKey,
    MedLedger.Ledger.LedgerReceipt? Verification);

public sealed record ProfileUpdate(byte[]? EncryptedProfile);

/// <summary>A single-use nonce for one password-change attempt (signed into the new material), and when it stops working.</summary>
public sealed record PasswordChangeNonceResponse(string Nonce, DateTimeOffset ExpiresAt);

/// <summary>
/// Signed-in password change. Everything is derived on the client (KeyVault.ChangePassword); the signature
/// (signing key, canonical "medledger/v2/password-change" over the material and <paramref name="Nonce"/>) proves the
/// caller holds the private keys, for this attempt only.
/// </summary>
public sealed record ChangePasswordRequest(byte[] CurrentAuthKey, byte[] NewAuthKey, KdfParametersDto NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature, string Nonce);

public sealed record RecoveryStartRequest(string Email);

/// <summary>Always returned for a start, whether or not the email is registered.</summary>
public sealed record RecoveryStartResponse(string Ticket);

public sealed record RecoveryVerifyRequest(string Ticket, string Code);

/// <summary>
/// What a client needs to unlock the recovery wrap; the password wrap is deliberately not included (it would allow
/// offline guessing of the old password). <paramref name="Nonce"/> is signed into the new material: it belongs to the
/// single-use completion ticket, so a captured recovery signature is no good with any later ticket.
/// </summary>
public sealed record RecoveryBundleResponse(Guid UserId, KdfParametersDto Kdf, byte[] SigningPublicKey, byte[] EncryptionPublicKey, byte[] RecoveryWrappedPrivateKeys, string RecoveryTicket, DateTimeOffset ExpiresAt, string Nonce);

/// <summary>New password material signed (canonical "medledger/v2/recovery", with the bundle's nonce) with the keys unlocked by the recovery code.</summary>
public sealed record RecoveryCompleteRequest(string RecoveryTicket, byte[] NewAuthKey, KdfParametersDto NewKdf, byte[] NewPasswordWrappedPrivateKeys, byte[] Signature);

/// <summary>Where one-time codes go: "email", or "outbox" with the folder they are written to when the data folder was given relative (else null).</summary>
public sealed record CodeDeliveryResponse(string Channel, string? OutboxFolder);
