using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>The record contracts (records.write, records.read, records.access-denied, records.access-denied-summary), against a real SQLite-backed peer.</summary>
public sealed class RecordContractTests : ContractPeerTestBase
{
    [Fact]
    public async Task Record_versions_are_consecutive_and_never_change_patient()
    {
        var record = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_patient, record, _patient.Id, 2)));
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 1));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_patient, record, _patient.Id, 1)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_other, record, _patient.Id, 2)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Write(_other, record, _other.Id, 2)));
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 2));
        Assert.Equal("2", await _peer.Queries.GetStateAsync(CareKeys.RecordVersion(record)));
        var bad = _patient.Tx(RecordWriteContract.TypeName, new() { ["recordId"] = record, ["version"] = "3", ["patientId"] = _patient.Id, ["ciphertextHash"] = "nothex", ["headerHash"] = new string('b', 64) });
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(bad));
    }

    [Fact]
    public async Task Only_the_author_of_a_record_writes_its_next_version()
    {
        await _peer.SubmitAsync(_staff.Tx(CareAssignContract.TypeName, new() { ["doctorId"] = _doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital }));
        var diagnosis = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Authored(_doctor, diagnosis, 1, _patient.Id)));
        await _peer.SubmitAsync(Authored(_doctor, diagnosis, 1));
        Assert.Equal(_doctor.Id, await _peer.Queries.GetStateAsync(CareKeys.RecordAuthor(diagnosis)));

        // The patient may write their own records, but not the next version of the doctor's — in either transaction form.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Authored(_patient, diagnosis, 2)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_patient, diagnosis, _patient.Id, 2)));
        await _peer.SubmitAsync(Authored(_doctor, diagnosis, 2));
        Assert.Equal("2", await _peer.Queries.GetStateAsync(CareKeys.RecordVersion(diagnosis)));

        // A record written before authorId existed has no author in state and keeps the earlier rule, so old chains replay unchanged.
        var legacy = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_doctor, legacy, _patient.Id, 1));
        Assert.Null(await _peer.Queries.GetStateAsync(CareKeys.RecordAuthor(legacy)));
        Assert.True((await _peer.SubmitAsync(Write(_patient, legacy, _patient.Id, 2))).Valid);
    }

    private LedgerTransaction Authored(TestUser author, string recordId, int version, string? authorId = null) => author.Tx(RecordWriteContract.TypeName, new()
    {
        ["recordId"] = recordId, ["version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture), ["patientId"] = _patient.Id,
        ["ciphertextHash"] = new string('a', 64), ["headerHash"] = new string('b', 64), ["authorId"] = authorId ?? author.Id,
    });

    [Fact]
    public async Task Read_and_refusal_events_are_peer_only()
    {
        var record = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, record, _patient.Id, 1));
        var forged = _doctor.Tx(RecordReadContract.TypeName, new() { ["readerId"] = _doctor.Id, ["recordId"] = record, ["patientId"] = _patient.Id });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(forged));
        var ok = await _peer.SubmitAsync(_peer.CreateSystemTransaction(RecordReadContract.TypeName, new Dictionary<string, string> { ["readerId"] = _doctor.Id, ["recordId"] = record, ["patientId"] = _patient.Id }));
        Assert.True(ok.Valid);
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(RecordAccessDeniedContract.TypeName, new Dictionary<string, string> { ["readerId"] = _doctor.Id, ["reason"] = "no-consent" }))).Valid);
    }

    [Fact]
    public async Task Refusal_summaries_are_peer_only_and_carry_ids_and_counts_only()
    {
        Dictionary<string, string> Summary(string count, string rateLimited) => new()
        {
            ["readerId"] = _doctor.Id, ["windowStartMs"] = "1767225600000", ["count"] = count, ["rateLimited"] = rateLimited,
        };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_doctor.Tx(RecordAccessDeniedSummaryContract.TypeName, Summary("3", "1"))));
        var ok = await _peer.SubmitAsync(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, Summary("3", "1")));
        Assert.True(ok.Valid);
        Assert.Contains(await _peer.Queries.GetTransactionsAboutAsync(_doctor.Id), t => t.Transaction.Type == RecordAccessDeniedSummaryContract.TypeName);

        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, Summary("0", "0"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, Summary("2", "3"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, Summary("-1", "0"))));
        var withReason = Summary("2", "0");
        withReason["reason"] = "not-assigned";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, withReason)));
        var noReader = Summary("2", "0");
        noReader["readerId"] = "someone";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(RecordAccessDeniedSummaryContract.TypeName, noReader)));
    }
}
