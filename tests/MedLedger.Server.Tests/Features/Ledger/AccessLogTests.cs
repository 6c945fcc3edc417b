using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// The readable access log (issue 13 item 9): a doctor opening nine records is one entry with a count, every
/// transaction of the entry keeps its own inclusion proof, and the folding rule itself.
/// </summary>
public sealed class AccessLogTests : SdkTestBase
{
    [Fact]
    public async Task A_doctor_opening_nine_records_is_one_entry_with_a_count_whose_every_transaction_proves_itself()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Northside General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        var records = new List<Guid>();
        for (var i = 0; i < 9; i++)
        {
            records.Add((await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes($"note {i}"), "text/plain")).RecordId);
        }
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
        foreach (var id in records)
        {
            await doctor.Client.OpenRecordAsync(id);
        }

        var log = await patient.Client.MyAccessLogAsync();
        var visit = Assert.Single(log, e => e.Type == "records.read" && e.Who == doctor.Id.ToString());
        Assert.Equal(9, visit.Count);
        Assert.Equal(9, visit.RecordCount);
        Assert.Equal(9, visit.Transactions.Select(t => t.Id).Distinct().Count());
        Assert.Equal(log[0], visit); // the newest thing that happened
        // The assignment and the consent stay entries of their own.
        Assert.Contains(log, e => e.Type == "care.assign" && e.Count == 1);
        Assert.Contains(log, e => e.Type == "consent.grant" && e.Count == 1);

        await patient.Client.VerifyAccessLogEntryAsync(visit);
        // A line that shows something other than what the ledger holds fails its proof.
        var shown = visit.Transactions[4];
        var forged = visit with
        {
            Transactions = [.. visit.Transactions.Select(t => t == shown ? t with { Payload = new Dictionary<string, string>(t.Payload) { ["recordId"] = Guid.NewGuid().ToString() } } : t)],
        };
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => patient.Client.VerifyAccessLogEntryAsync(forged));
    }

    private static TransactionSummary Tx(long index, string type, string reader, long atMs, bool valid = true) =>
        new($"{index:x64}", type, "peer", atMs, valid, null, index, 1, new Dictionary<string, string> { ["readerId"] = reader, ["recordId"] = $"r{index % 3}" });

    [Fact]
    public void Reads_fold_per_reader_within_the_window_and_nothing_else_folds()
    {
        var minute = 60_000L;
        var entries = new[]
        {
            Tx(1, "records.read", "a", 0),
            Tx(2, "records.read", "b", 1 * minute),
            Tx(3, "records.read", "a", 2 * minute),          // same visit as 1 although b read in between
            Tx(4, "records.write", "a", 3 * minute),
            Tx(5, "records.read", "a", 20 * minute),         // 18 minutes after the previous read: same visit
            Tx(6, "records.read", "a", 60 * minute),         // 40 minutes later: a new visit
            Tx(7, "records.read", "a", 61 * minute, valid: false),
            Tx(8, "records.access-denied", "c", 62 * minute),
            Tx(9, "records.access-denied", "c", 63 * minute),
        };
        var log = AccessLog.Group(entries.Reverse(), TimeSpan.FromMinutes(30));

        Assert.Equal([9L, 8L, 7L, 6L, 5L, 4L, 2L], log.Select(e => e.Transactions[^1].LogIndex));
        var firstVisit = log.Single(e => e.Transactions[0].LogIndex == 1);
        Assert.Equal([1L, 3L, 5L], firstVisit.Transactions.Select(t => t.LogIndex));
        Assert.Equal(3, firstVisit.Count);
        Assert.Equal(3, firstVisit.RecordCount); // r1, r0, r2
        Assert.Equal(0, firstVisit.FirstMs);
        Assert.Equal(20 * minute, firstVisit.LastMs);
        Assert.All(log.Where(e => e.Transactions[0].LogIndex != 1), e => Assert.Equal(1, e.Count));
    }
}
