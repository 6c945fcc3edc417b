using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Appointments;

/// <summary>What a booking's row needs beyond its appointments.book payload: the schedule, visit kind and the sealed reasons.</summary>
public sealed record BookRows(Guid ScheduleId, VisitKind VisitKind, byte[] ReasonForDoctor, byte[] ReasonForPatient);

/// <summary>Who cancelled (the patient, the doctor or a staff member).</summary>
public sealed record CancelRows(Guid CancelledBy);

/// <summary>A status change needs nothing beyond its payload.</summary>
public sealed record StatusRows;

/// <summary>A close (appointments.close) needs nothing beyond its payload either.</summary>
public sealed record CloseRows;

/// <summary>Writes the rows of committed appointments.* transactions (at once, or rolled forward after a crash).</summary>
public sealed class AppointmentLedgerRows(MedLedgerDbContext db, TimeProvider clock) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [AppointmentBookContract.TypeName, AppointmentCancelContract.TypeName, AppointmentStatusContract.TypeName, AppointmentCloseContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var id = Guid.Parse(tx.Get("appointmentId")!);
        var now = clock.GetUtcNow();
        if (tx.Type == AppointmentBookContract.TypeName)
        {
            var r = JsonSerializer.Deserialize<BookRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty booking rows");
            db.Add(new Appointment
            {
                Id = id,
                ScheduleId = r.ScheduleId,
                DoctorId = Guid.Parse(tx.Get("doctorId")!),
                HospitalId = Guid.Parse(tx.Get("hospitalId")!),
                PatientId = Guid.Parse(tx.Get("patientId")!),
                StartsAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(tx.Get("startMs")!, System.Globalization.CultureInfo.InvariantCulture)),
                EndsAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(tx.Get("endMs")!, System.Globalization.CultureInfo.InvariantCulture)),
                VisitKind = r.VisitKind,
                Status = AppointmentStatus.Booked,
                ReasonForDoctor = r.ReasonForDoctor,
                ReasonForPatient = r.ReasonForPatient,
                ReasonHash = tx.Get("reasonHash")!,
                CreatedAt = now,
                UpdatedAt = now,
                BookTransactionId = tx.Id,
            });
            await db.SaveChangesAsync(ct);
            return;
        }
        // The ledger applied the booking first, and roll-forward writes in log order: the row is there.
        var row = await db.Set<Appointment>().FirstAsync(a => a.Id == id, ct);
        if (tx.Type == AppointmentCancelContract.TypeName)
        {
            row.Status = AppointmentStatus.Cancelled;
            row.CancelledBy = (JsonSerializer.Deserialize<CancelRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty cancel rows")).CancelledBy;
        }
        else if (tx.Type == AppointmentCloseContract.TypeName)
        {
            row.Status = AppointmentStatus.Fulfilled;
            row.EncounterRecordId = Guid.Parse(tx.Get("encounterRecordId")!);
            row.CarePlanRecordId = Guid.Parse(tx.Get("carePlanRecordId")!);
            row.CloseTransactionId = tx.Id;
        }
        else
        {
            row.Status = AppointmentStatusNames.FromLedger(tx.Get("status")!);
        }
        row.UpdatedAt = now;
        row.LastTransactionId = tx.Id;
        await db.SaveChangesAsync(ct);
    }
}

/// <summary>The ledger's status words and the row's enum.</summary>
public static class AppointmentStatusNames
{
    public static string ToLedger(AppointmentStatus s) => s switch
    {
        AppointmentStatus.Booked => AppointmentStates.Booked,
        AppointmentStatus.Arrived => AppointmentStates.Arrived,
        AppointmentStatus.InProgress => AppointmentStates.InProgress,
        AppointmentStatus.Fulfilled => AppointmentStates.Fulfilled,
        AppointmentStatus.Cancelled => AppointmentStates.Cancelled,
        _ => AppointmentStates.NoShow,
    };

    public static AppointmentStatus FromLedger(string s) => s switch
    {
        AppointmentStates.Booked => AppointmentStatus.Booked,
        AppointmentStates.Arrived => AppointmentStatus.Arrived,
        AppointmentStates.InProgress => AppointmentStatus.InProgress,
        AppointmentStates.Fulfilled => AppointmentStatus.Fulfilled,
        AppointmentStates.Cancelled => AppointmentStatus.Cancelled,
        AppointmentStates.NoShow => AppointmentStatus.NoShow,
        _ => throw new InvalidOperationException($"unknown appointment status '{s}'"),
    };
}

/// <summary>`ledger verify`: every committed booking has its row, and each row's status is the one its last transaction set.</summary>
public sealed class AppointmentLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [AppointmentBookContract.TypeName, AppointmentCancelContract.TypeName, AppointmentStatusContract.TypeName, AppointmentCloseContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var rows = await db.Set<Appointment>().AsNoTracking().Select(a => new { a.Id, a.PatientId, a.DoctorId, a.Status, a.BookTransactionId }).ToDictionaryAsync(a => a.Id, ct);
        var expected = new Dictionary<Guid, (string BookTx, string Patient, string Doctor, AppointmentStatus Status)>();
        foreach (var tx in committed)
        {
            if (!Guid.TryParse(tx.Get("appointmentId"), out var id))
            {
                continue;
            }
            if (tx.Type == AppointmentBookContract.TypeName)
            {
                expected[id] = (tx.Id, tx.Get("patientId")!, tx.Get("doctorId")!, AppointmentStatus.Booked);
            }
            else if (expected.TryGetValue(id, out var e))
            {
                expected[id] = e with
                {
                    Status = tx.Type == AppointmentCancelContract.TypeName ? AppointmentStatus.Cancelled
                        : tx.Type == AppointmentCloseContract.TypeName ? AppointmentStatus.Fulfilled
                        : AppointmentStatusNames.FromLedger(tx.Get("status")!),
                };
            }
        }
        foreach (var (id, e) in expected.OrderBy(e => e.Key))
        {
            if (!rows.TryGetValue(id, out var row))
            {
                findings.Add($"appointment {id}: on the ledger ({e.BookTx}) but no row (missing)");
            }
            else if (row.BookTransactionId != e.BookTx || row.PatientId.ToString() != e.Patient || row.DoctorId.ToString() != e.Doctor || row.Status != e.Status)
            {
                findings.Add($"appointment {id}: the row says {row.Status} for a different transaction, patient or doctor than the ledger's {e.Status} ({e.BookTx})");
            }
        }
        foreach (var id in rows.Keys.Where(id => !expected.ContainsKey(id)).Order())
        {
            findings.Add($"appointment {id}: a row the ledger never committed (ahead)");
        }
    }
}
