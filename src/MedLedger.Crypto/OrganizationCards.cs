using System.Globalization;
using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// An organization's public card (hospital, pharmacy, insurer: directory data, not patient data). An admin's own signed
/// identity.verify carries <see cref="Hash"/>, so a client can tell the organization it is shown is the one the admin checked.
/// </summary>
public static class OrganizationCards
{
    /// <summary>
    /// canonical(<see cref="ProtocolTags.OrganizationCard"/>).String(organizationId).String(kind).String(name).String(address)
    /// .String(latitude).String(longitude).String(registrationNumber); id a lower-case UUID, kind "Hospital"|"Pharmacy"|"Insurer",
    /// coordinates as <see cref="Coordinate"/> formats them, the registration (or licence) number as the organization gave
    /// it, which the admin checks against the public register. Only fields every directory view shows (search hits carry
    /// no contact details).
    /// </summary>
    public static byte[] CanonicalBytes(string organizationId, string kind, string name, string address, double latitude, double longitude, string registrationNumber) =>
        new CanonicalWriter(ProtocolTags.OrganizationCard)
            .String(organizationId).String(kind).String(name).String(address)
            .String(Coordinate(latitude)).String(Coordinate(longitude)).String(registrationNumber).ToArray();

    /// <summary>Lower-case hex SHA-256 of <see cref="CanonicalBytes"/>.</summary>
    public static string Hash(string organizationId, string kind, string name, string address, double latitude, double longitude, string registrationNumber) =>
        Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes(organizationId, kind, name, address, latitude, longitude, registrationNumber)));

    /// <summary>
    /// Degrees with exactly six decimals (about 0.1 m), invariant culture: what JavaScript's toFixed(6) gives for the same
    /// double (both round the exact binary value). Negative zero is written as zero, as toFixed writes it.
    /// </summary>
    public static string Coordinate(double degrees) =>
        (degrees == 0 ? 0.0 : degrees).ToString("F6", CultureInfo.InvariantCulture);
}
