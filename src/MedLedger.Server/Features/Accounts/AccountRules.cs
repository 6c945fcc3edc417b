using System.Globalization;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using MedLedger.Crypto;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Accounts;

/// <summary>The account rules several use cases apply, written once: shapes of client-derived material, codes, emails, suspension.</summary>
public static class AccountRules
{
    public const int AuthKeyLength = 32;
    public const int P256PublicKeyLength = 65;
    public const int SignatureLength = 64;
    public const int MaxWrappedKeyLength = 4096;
    public const int MaxEncryptedProfileLength = 16 * 1024;
    /// <summary>Longest display name or specialty on a professional's identity card.</summary>
    public const int MaxCardTextLength = 100;
    public const int MaxKdfIterations = 10_000_000;
    public const string Suspended = "This account is suspended. Contact the platform administrator.";

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static bool IsEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || email.Any(char.IsControl))
        {
            return false;
        }
        return MailAddress.TryCreate(email.Trim(), out var parsed) && parsed.Address == email.Trim() && email.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Client KDF parameters MedLedger accepts: PBKDF2-HMAC-SHA256, 600,000–10,000,000 iterations, a 16–64 byte salt.</summary>
    public static void RequireKdf(Validator v, KdfParametersDto? kdf, string field)
    {
        v.Require(kdf is not null, field, $"{field} parameters are required.");
        if (kdf is null)
        {
            return;
        }
        v.Require(kdf.Algorithm == PasswordParameters.Pbkdf2Sha256, field + ".algorithm", $"{field}.algorithm must be {PasswordParameters.Pbkdf2Sha256}.");
        v.Require(kdf.Iterations >= PasswordParameters.MinimumIterations && kdf.Iterations <= MaxKdfIterations, field + ".iterations",
            $"{field}.iterations must be between {PasswordParameters.MinimumIterations} and 10,000,000.");
        v.Require(kdf.Salt is { Length: >= 16 and <= 64 }, field + ".salt", $"{field}.salt must be 16 to 64 bytes.");
    }

    /// <summary>A public key as MedLedger stores it: a 65-byte uncompressed P-256 point (04 || X || Y).</summary>
    public static bool IsP256Point(byte[]? key) => key is { Length: P256PublicKeyLength } && key[0] == 4;

    public static void RequireP256Point(Validator v, byte[]? key, string field, string name) =>
        v.Require(IsP256Point(key), field, $"{name} must be a 65-byte uncompressed P-256 point.");

    /// <summary>A one-time code is exactly six ASCII digits (surrounding spaces ignored); returns the trimmed code.</summary>
    public static string RequireSixDigitCode(string? code)
    {
        var trimmed = (code ?? "").Trim();
        if (trimmed.Length != 6 || !trimmed.All(char.IsAsciiDigit))
        {
            throw ProblemException.Invalid("code", "code must be 6 digits.");
        }
        return trimmed;
    }

    public static void EnsureNotSuspended(UserAccount user)
    {
        if (user.Suspended)
        {
            throw ProblemException.Forbidden(Suspended);
        }
    }

    /// <summary>Server-side slow hash of the (already high-entropy) client-derived authentication key.</summary>
    public static byte[] HashAuthKey(byte[] authKey, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(authKey, salt, iterations, HashAlgorithmName.SHA256, 32);

    public static byte[] EmailCodeHash(Guid challengeId, string code) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(challengeId.ToString("N") + ":" + code));

    public static string NewEmailCode() => RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>A 256-bit random bearer secret (tickets, access and refresh tokens), base64url without padding.</summary>
    public static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
