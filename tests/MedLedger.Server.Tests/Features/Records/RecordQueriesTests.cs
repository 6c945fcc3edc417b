using System.Text.Json;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// On SQLite a record read runs as hand-written SQL on a read connection (<see cref="RecordQueries.ReadSql"/>) instead of
/// EF's compiled query, which PostgreSQL keeps: both must find the same rows, field for field, in every case a read
/// meets — the newest version, an older one, a reader with no wrap, a version or a record that does not exist.
/// </summary>
public sealed class RecordQueriesTests : RecordTestBase
{
    private static string Json(RecordRead? read) => JsonSerializer.Serialize(read);

    [Fact]
    public async Task The_SQLite_read_finds_what_EFs_compiled_read_finds_in_every_case()
    {
        var (_, doctors) = await World.HospitalAsync(Admin, "Read Hospital", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var first = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await patient.Client.AddVersionAsync(first.RecordId, System.Text.Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json")));
        var other = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var reads = Host.Service<SqliteReadConnections>();
        Assert.True(reads.Enabled);

        var cases = new (Guid Record, int? Version, Guid Reader, bool Found, bool Wrapped)[]
        {
            (first.RecordId, null, patient.Id, true, true),
            (first.RecordId, 1, patient.Id, true, true),
            (first.RecordId, 2, patient.Id, true, true),
            (first.RecordId, 3, patient.Id, false, false),
            (first.RecordId, null, doctors[0].Id, true, false),
            (other.RecordId, null, patient.Id, true, true),
            (Guid.NewGuid(), null, patient.Id, false, false),
        };
        foreach (var (record, version, reader, found, wrapped) in cases)
        {
            var ef = await Db(db => RecordQueries.For(db).Read(db, record, version, reader, CancellationToken.None));
            var sqlite = RecordQueries.ReadSqlite(reads, record, version, reader);
            Assert.Equal(found, ef is not null);
            Assert.Equal(wrapped, ef?.Wrap is not null);
            Assert.Equal(Json(ef), Json(sqlite));
        }
        // An older version's read still names the newest version's ledger transaction (the client's rollback check).
        var old = RecordQueries.ReadSqlite(reads, first.RecordId, 1, patient.Id)!;
        Assert.Equal(1, old.Version.Version);
        Assert.Equal(2, old.Record.LatestVersion);
        Assert.NotEqual(old.Version.LedgerTransactionId, old.NewestTransactionId);
    }
}
