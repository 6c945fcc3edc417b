using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Appointments;

/// <summary>
/// A patient books one or more consecutive free slots of a schedule. The server checks the slots and the signed
/// appointments.book; the ledger contract decides races and overlaps (doctor and patient), so two requests the server
/// lets through at once still end with one booking.
/// </summary>
public sealed class BookingService(MedLedgerDbContext db, LedgerRollForward rollForward, FreeSlotService slots, AccountDirectory accounts, AppointmentReader reader,
    AppointmentNotices notices, TimeProvider clock, MedLedger.Server.Features.Organizations.OrganizationDirectory organizations)
{
    public const int MaxSlots = 4;
    public const int MaxSealedReasonBytes = 16 * 1024;
    public const long MaxClockSkewMs = 15 * 60 * 1000;

    public async Task<AppointmentResponse> BookAsync(Guid patientId, BookRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(r.AppointmentId != Guid.Empty, "appointmentId", "appointmentId must be a UUID chosen by the client.");
        v.Require(r.End > r.Start, "end", "end must be after start.");
        v.Require(r.Start > clock.GetUtcNow(), "start", "An appointment cannot be booked in the past.");
        v.Require(r.ReasonForDoctor is { Length: > 0 and <= MaxSealedReasonBytes } && r.ReasonForPatient is { Length: > 0 and <= MaxSealedReasonBytes }, "reasonForDoctor",
            $"The reason comes sealed for the doctor and for the patient (each at most {MaxSealedReasonBytes} bytes).");
        v.ThrowIfInvalid();

        var schedule = await db.Set<DoctorSchedule>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == r.ScheduleId, ct) ?? throw ProblemException.NotFound($"Schedule {r.ScheduleId}");
        var doctor = await accounts.FindAsync(schedule.DoctorId, ct);
        if (doctor is null || !doctor.CanAct || doctor.OrganizationId != schedule.HospitalId)
        {
            throw ProblemException.Conflict("The doctor of this schedule is not bookable now.");
        }
        await organizations.RequireNotSuspendedAsync(schedule.HospitalId, "bookings", ct);
        // The booking must be a run of consecutive free slots: each one starts where the previous one ends.
        var free = await slots.FreeAsync(schedule, r.Start, r.End, MaxSlots + 1, ct);
        var cursor = r.Start;
        foreach (var s in free)
        {
            if (s.Start == cursor)
            {
                cursor = s.End;
            }
        }
        if (cursor != r.End || free.Count > MaxSlots)
        {
            throw ProblemException.Conflict($"From {r.Start:u} to {r.End:u} is not 1 to {MaxSlots} consecutive free slots of this schedule (taken, on a break or leave, or outside its hours).");
        }

        var tx = LedgerGateway.Expect(r.Transaction, AppointmentBookContract.TypeName, patientId);
        var tv = new Validator();
        tv.Require(tx.Get("appointmentId") == r.AppointmentId.ToString() && tx.Get("patientId") == patientId.ToString()
            && tx.Get("doctorId") == schedule.DoctorId.ToString() && tx.Get("hospitalId") == schedule.HospitalId.ToString(), "transaction",
            "The appointments.book transaction names a different appointment, patient, doctor or hospital.");
        tv.Require(tx.Get("startMs") == Ms(r.Start) && tx.Get("endMs") == Ms(r.End), "transaction", "The appointments.book transaction names different times.");
        tv.Require(tx.Get("reasonHash") == Convert.ToHexStringLower(SHA256.HashData(r.ReasonForDoctor)), "transaction", "The reasonHash is not SHA-256 of the reason sealed for the doctor.");
        // The contract's "not in the past" reads the signer's timestamp; a clock far off would let a bypassing client backdate it.
        tv.Require(Math.Abs(tx.TimestampMs - clock.GetUtcNow().ToUnixTimeMilliseconds()) <= MaxClockSkewMs, "transaction", "The appointments.book transaction's time is more than 15 minutes off the server's clock.");
        tv.ThrowIfInvalid();

        await rollForward.SubmitAsync(tx, new BookRows(schedule.Id, schedule.VisitKind, r.ReasonForDoctor, r.ReasonForPatient), ct);
        var booked = await reader.GetAsync(r.AppointmentId, patientId, Role.Patient, null, ct);
        await notices.ChangedAsync(booked);
        return booked;
    }

    private static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
