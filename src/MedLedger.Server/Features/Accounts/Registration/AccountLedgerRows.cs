using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// The account a key registration stands for, as the request built it. The password hash, wrapped private keys, email
/// and KDF parameters are not ledger material, so they live only here until the rows are written.
/// </summary>
public sealed record AccountRows(UserAccount User, KeyBundleRecord Keys, NewOrganizationDto? NewOrganization = null, Guid? NewOrganizationId = null);

/// <summary>Writes the account, its key bundle and (for a founder) its pending organization for a committed identity.register-keys.</summary>
public sealed class AccountLedgerRows(MedLedgerDbContext db, OrganizationService organizations, ILogger<AccountLedgerRows> logger) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [RegisterKeysContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<AccountRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty account rows");
        if (await db.Users.AnyAsync(u => u.Id == r.User.Id || u.Email == r.User.Email, ct))
        {
            // Another registration took the email between the request's check and here. Throwing would leave the pending
            // write to fail again at every start; the request answers 409 and `ledger verify` names the orphaned keys.
            logger.LogWarning("Key registration {TransactionId} committed, but its account id or email is taken; no account was stored.", tx.Id);
            return;
        }
        if (r.NewOrganization is { } org)
        {
            organizations.AddPending(org, r.User.CreatedAt, r.NewOrganizationId ?? throw new InvalidOperationException("account rows with a new organization but no id"));
        }
        db.Users.Add(r.User);
        db.KeyBundles.Add(r.Keys);
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>`ledger verify`: every key registration on the ledger has its account, whose key bundle holds the ledger's current keys and role.</summary>
public sealed class AccountLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [RegisterKeysContract.TypeName, RotateKeysContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var registered = new Dictionary<string, (string Role, LedgerTransaction Keys)>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var user = tx.Get("userId") ?? tx.ActorId;
            if (tx.Type == RegisterKeysContract.TypeName)
            {
                registered[user] = (tx.Get("role") ?? "", tx);
            }
            else if (registered.TryGetValue(user, out var r))
            {
                registered[user] = (r.Role, tx);
            }
        }
        var rows = await (from u in db.Users.AsNoTracking()
                          join k in db.KeyBundles.AsNoTracking() on u.Id equals k.UserId into bundles
                          from k in bundles.DefaultIfEmpty()
                          select new { u.Id, u.Role, Signing = k == null ? null : k.SigningPublicKey, Encryption = k == null ? null : k.EncryptionPublicKey }).ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            if (!registered.TryGetValue(row.Id.ToString(), out var reg))
            {
                findings.Add($"account {row.Id}: an account whose keys the ledger never registered (ahead)");
                continue;
            }
            if (row.Role.ToString() != reg.Role)
            {
                findings.Add($"account {row.Id}: role {row.Role}, the ledger registered {reg.Role} (different)");
            }
            if (row.Signing is null || row.Encryption is null
                || Convert.ToBase64String(row.Signing) != reg.Keys.Get("signingKey") || Convert.ToBase64String(row.Encryption) != reg.Keys.Get("encryptionKey"))
            {
                findings.Add($"account {row.Id}: the key bundle's public keys differ from the ledger's ({reg.Keys.Id}) (different keys)");
            }
        }
        var held = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (user, reg) in registered.Where(r => !held.Contains(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            findings.Add($"account {user}: keys registered on the ledger ({reg.Keys.Id}) but no account (missing)");
        }
    }
}
