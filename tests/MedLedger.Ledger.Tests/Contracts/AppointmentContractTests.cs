using System.Globalization;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// The appointment contracts (appointments.book / cancel / status) against a real SQLite-backed peer, with no server in
/// front: overlaps, races and past bookings are refused by the contract itself.
/// </summary>
public sealed class AppointmentContractTests : ContractPeerTestBase
{
    // TestUser signs every transaction at 1_700_000_000_000 ms; appointments start a day later, on 5-minute boundaries.
    private const long Now = 1_700_000_000_000;
    private static readonly long Day = (Now / AppointmentKeys.GranuleMs + 288) * AppointmentKeys.GranuleMs;
    private const long Minute = 60_000;

    private LedgerTransaction Book(TestUser patient, string doctorId, long start, long end, string? id = null) => patient.Tx(AppointmentBookContract.TypeName, new()
    {
        ["appointmentId"] = id ?? Guid.NewGuid().ToString(), ["patientId"] = patient.Id, ["doctorId"] = doctorId, ["hospitalId"] = _hospital,
        ["startMs"] = start.ToString(CultureInfo.InvariantCulture), ["endMs"] = end.ToString(CultureInfo.InvariantCulture), ["reasonHash"] = new string('d', 64),
    });

    [Fact]
    public async Task The_contract_refuses_an_overlap_for_the_doctor_across_slot_lengths()
    {
        // A 30-minute booking holds both 15-minute slots it spans; a 20-minute booking that starts inside it is refused.
        await _peer.SubmitAsync(Book(_patient, _doctor.Id, Day, Day + 30 * Minute));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Book(_other, _doctor.Id, Day + 15 * Minute, Day + 30 * Minute)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Book(_other, _doctor.Id, Day + 25 * Minute, Day + 45 * Minute)));
        Assert.True((await _peer.SubmitAsync(Book(_other, _doctor.Id, Day + 30 * Minute, Day + 50 * Minute))).Valid);
    }

    [Fact]
    public async Task A_patient_cannot_hold_two_overlapping_appointments_with_different_doctors()
    {
        var second = await UserAsync(IdentityRoles.Doctor, verified: true);
        await _peer.SubmitAsync(Book(_patient, _doctor.Id, Day, Day + 15 * Minute));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Book(_patient, second.Id, Day + 10 * Minute, Day + 30 * Minute)));
        Assert.True((await _peer.SubmitAsync(Book(_patient, second.Id, Day + 15 * Minute, Day + 35 * Minute))).Valid);
    }

    [Fact]
    public async Task Cancel_frees_the_slots_exactly_once_and_only_the_patient_signs_it()
    {
        var id = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Book(_patient, _doctor.Id, Day, Day + 30 * Minute, id));
        var cancel = new Dictionary<string, string> { ["appointmentId"] = id };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(AppointmentCancelContract.TypeName, cancel)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_doctor.Tx(AppointmentCancelContract.TypeName, cancel)));
        await _peer.SubmitAsync(_patient.Tx(AppointmentCancelContract.TypeName, cancel));
        Assert.Equal(AppointmentStates.Cancelled, await _peer.Queries.GetStateAsync(AppointmentKeys.Status(id)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(AppointmentCancelContract.TypeName, cancel)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_peer.CreateSystemTransaction(AppointmentCancelContract.TypeName, cancel, Now)));
        // Freed: another patient books the same time.
        Assert.True((await _peer.SubmitAsync(Book(_other, _doctor.Id, Day, Day + 30 * Minute))).Valid);
    }

    [Fact]
    public async Task Racing_bookings_of_one_slot_in_one_block_leave_exactly_one()
    {
        var patients = new List<TestUser>();
        for (var i = 0; i < 6; i++)
        {
            patients.Add(await UserAsync(IdentityRoles.Patient, verified: false));
        }
        var results = await Task.WhenAll(patients.Select(async p =>
        {
            try
            {
                return (await _peer.SubmitAsync(Book(p, _doctor.Id, Day, Day + 15 * Minute))).Valid;
            }
            catch (LedgerRejectedException e) when (e.Kind == LedgerRejectionKind.Conflict)
            {
                return false;
            }
        }));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Bookings_in_the_past_off_the_granule_grid_or_with_the_reason_in_clear_are_refused()
    {
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Book(_patient, _doctor.Id, Now - AppointmentKeys.GranuleMs * 2 - Now % AppointmentKeys.GranuleMs, Now + 30 * Minute)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Book(_patient, _doctor.Id, Day + Minute, Day + 16 * Minute)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Book(_patient, _doctor.Id, Day, Day + 9 * 60 * Minute)));
        var clear = Book(_patient, _doctor.Id, Day, Day + 15 * Minute).Payload.ToDictionary();
        clear["reason"] = "chest pain";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(AppointmentBookContract.TypeName, clear)));
        // Only the patient named books, and only with a verified doctor.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(AppointmentBookContract.TypeName, Book(_patient, _doctor.Id, Day, Day + 15 * Minute).Payload.ToDictionary())));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Book(_patient, _staff.Id, Day, Day + 15 * Minute)));
    }

    [Fact]
    public async Task Patient_cancel_cut_off_and_status_moves_forward_only()
    {
        var soon = (Now / AppointmentKeys.GranuleMs + 6) * AppointmentKeys.GranuleMs; // 25–30 minutes after "now"
        var id = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Book(_patient, _doctor.Id, soon, soon + 15 * Minute, id));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(AppointmentCancelContract.TypeName, new() { ["appointmentId"] = id })));

        LedgerTransaction Status(string s, long at) => _peer.CreateSystemTransaction(AppointmentStatusContract.TypeName, new Dictionary<string, string> { ["appointmentId"] = id, ["status"] = s }, at);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Status(AppointmentStates.NoShow, Now)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Status(AppointmentStates.Fulfilled, Now)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_doctor.Tx(AppointmentStatusContract.TypeName, new() { ["appointmentId"] = id, ["status"] = AppointmentStates.Arrived })));
        await _peer.SubmitAsync(Status(AppointmentStates.Arrived, Now));
        await _peer.SubmitAsync(Status(AppointmentStates.InProgress, Now));
        await _peer.SubmitAsync(Status(AppointmentStates.Fulfilled, Now));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Status(AppointmentStates.Arrived, Now)));
        Assert.Equal(AppointmentStates.Fulfilled, await _peer.Queries.GetStateAsync(AppointmentKeys.Status(id)));
    }
}
