using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Infrastructure.Auth;

/// <summary>
/// Every authenticated request looks its session up; on SQLite that lookup is hand-written SQL on a read connection
/// (<see cref="SessionAuthenticationHandler.SessionQueries.ByTokenHashSql"/>), on PostgreSQL EF's compiled query. Both must
/// return the same row for every kind of session the refusals depend on: revoked, suspended, pending or rejected
/// professional, pending organization, no organization. (The refusals themselves are the session and verification
/// suites' tests, which run on both stores.)
/// </summary>
public sealed class SessionLookupTests : RecordTestBase
{
    [Fact]
    public async Task The_SQLite_lookup_returns_what_EFs_compiled_lookup_returns_for_every_kind_of_session()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Lookup Hospital", 1);
        await World.RegisterAsync(Role.Doctor, staff.OrganizationId);
        var rejected = await World.RegisterAsync(Role.Doctor, staff.OrganizationId);
        await Admin.Client.DecideProfessionalAsync(rejected.Id, false, "Licence number not found in the register.");
        await World.RegisterAsync(Role.Pharmacist, newOrganization: new MedLedger.Client.NewOrganization(MedLedger.Client.OrganizationKind.Pharmacy,
            "Pending Pharmacy", "3 Shop Lane", 52.5, 13.4, null, null, "HRB 2020"));
        var suspended = await World.RegisterAsync(Role.Patient);
        await Admin.Client.SuspendAsync(suspended.Id);
        var leaving = await World.RegisterAsync(Role.Patient);
        await leaving.Client.LogoutAsync();
        _ = doctors;

        var reads = Host.Service<SqliteReadConnections>();
        Assert.True(reads.Enabled);
        var hashes = await Db(db => db.Sessions.AsNoTracking().Select(s => s.AccessTokenHash).ToListAsync());
        var rows = new List<SessionAuthenticationHandler.SessionRow>();
        foreach (var hash in hashes.Append(new byte[32]))
        {
            var ef = await Db(db => SessionAuthenticationHandler.Compiled.For(db).ByTokenHash(db, hash, CancellationToken.None));
            var sqlite = reads.Run(SessionAuthenticationHandler.SessionQueries.ByTokenHashSql, [hash], SessionAuthenticationHandler.SessionQueries.ReadRow);
            Assert.Equal(ef, sqlite);
            if (sqlite is not null)
            {
                rows.Add(sqlite);
            }
        }
        // The world above really holds each kind, so the comparison covered it.
        Assert.Contains(rows, r => r.RevokedAt is not null);
        Assert.Contains(rows, r => r.Suspended);
        Assert.Contains(rows, r => r.OrganizationId is null);
        Assert.Contains(rows, r => r.Verification == MedLedger.Server.Features.Accounts.VerificationStatus.Pending);
        Assert.Contains(rows, r => r.Verification == MedLedger.Server.Features.Accounts.VerificationStatus.Rejected && r.VerificationReason is not null);
        Assert.Contains(rows, r => r.OrgVerification == MedLedger.Server.Features.Accounts.VerificationStatus.Pending);
        Assert.Contains(rows, r => r.OrgVerification == MedLedger.Server.Features.Accounts.VerificationStatus.Approved);
    }
}
