using System.Security.Cryptography;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;
using QRCoder;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// TOTP enrolment: a secret (and its QR code) first, enabled only once a code from the authenticator matches. Beginning
/// needs the current password (its auth key): a stolen access token alone must not bind the thief's authenticator,
/// which would then replace the owner's emailed code.
/// </summary>
public sealed class TotpEnrolmentService(MedLedgerDbContext db, IOptions<AuthOptions> options, TimeProvider clock, SecurityEventLog events, LoginAttempts attempts)
{
    public async Task<TotpEnrollmentResponse> BeginAsync(Guid userId, TotpEnrollRequest r, CancellationToken ct)
    {
        if (r.CurrentAuthKey is not { Length: AccountRules.AuthKeyLength })
        {
            throw ProblemException.Invalid("currentAuthKey", $"currentAuthKey must be {AccountRules.AuthKeyLength} bytes (derived on the client from the current password).");
        }
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        attempts.EnsureNotLocked(user);
        var hash = AccountRules.HashAuthKey(r.CurrentAuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (!CryptographicOperations.FixedTimeEquals(hash, user.AuthKeyHash))
        {
            await attempts.RegisterFailureAsync(userId, SecurityEventKind.LoginFailed, ct, "totp-enrol");
            throw ProblemException.Unauthorized("The current password is wrong.");
        }
        if (user.TotpEnabled)
        {
            throw ProblemException.Conflict("TOTP is already enrolled for this account.");
        }
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
        user.TotpSecret = secret;
        user.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        var uri = new OtpUri(OtpType.Totp, secret, user.Email, options.Value.TotpIssuer).ToString();
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return new TotpEnrollmentResponse(secret, uri, Convert.ToBase64String(png));
    }

    public async Task ConfirmAsync(Guid userId, TotpConfirmRequest r, CancellationToken ct)
    {
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        if (user.TotpEnabled)
        {
            throw ProblemException.Conflict("TOTP is already enrolled for this account.");
        }
        if (user.TotpSecret is null)
        {
            throw ProblemException.Conflict("Start TOTP enrolment first.");
        }
        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, (r.Code ?? "").Trim(), out var step, new VerificationWindow(1, 1)))
        {
            throw ProblemException.Invalid("code", "The code does not match; check the authenticator's clock and try again.");
        }
        user.TotpEnabled = true;
        user.TotpLastStep = step;
        user.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(SecurityEventKind.TotpEnrolled, userId, userId, null, ct);
    }
}
