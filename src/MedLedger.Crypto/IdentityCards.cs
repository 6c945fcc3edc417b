using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// A professional's public identity card (directory data, not patient data): what a patient or colleague sees before
/// granting or assigning. An admin's identity.verify transaction signs <see cref="Hash"/> together with the
/// professional's key fingerprint, so a client can tell the card it is shown is the card the admin checked.
/// </summary>
public static class IdentityCards
{
    /// <summary>
    /// canonical(<see cref="ProtocolTags.IdentityCard"/>).String(userId).String(role).String(displayName).String(licenceNumber)
    /// .String(specialty).String(organizationId).String(organizationName); absent fields are empty strings, ids lower-case UUIDs.
    /// </summary>
    public static byte[] CanonicalBytes(string userId, string role, string? displayName, string? licenceNumber, string? specialty, string? organizationId, string? organizationName) =>
        new CanonicalWriter(ProtocolTags.IdentityCard)
            .String(userId).String(role).String(displayName ?? "").String(licenceNumber ?? "")
            .String(specialty ?? "").String(organizationId ?? "").String(organizationName ?? "").ToArray();

    /// <summary>Lower-case hex SHA-256 of <see cref="CanonicalBytes"/>.</summary>
    public static string Hash(string userId, string role, string? displayName, string? licenceNumber, string? specialty, string? organizationId, string? organizationName) =>
        Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes(userId, role, displayName, licenceNumber, specialty, organizationId, organizationName)));

    /// <summary>Lower-case hex of the key fingerprint (<see cref="KeyFingerprints.Fingerprint"/>) as the verification carries it.</summary>
    public static string KeyFingerprintHex(byte[] encryptionPublicKey, byte[] signingPublicKey) =>
        Convert.ToHexStringLower(KeyFingerprints.Fingerprint(encryptionPublicKey, signingPublicKey));
}
