using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Appointments;

/// <summary>
/// Appointments as each party sees them: the patient their own (with the reason sealed for them), the doctor theirs
/// (with the reason sealed for the doctor), hospital staff their hospital's (no reason). Also the read side Profiles uses.
/// </summary>
public sealed class AppointmentReader(MedLedgerDbContext db)
{
    public async Task<IReadOnlyList<AppointmentResponse>> ListAsync(Guid callerId, Role role, Guid? organizationId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var q = Visible(db.Set<Appointment>().AsNoTracking(), callerId, role, organizationId);
        if (from is { } f)
        {
            q = q.Where(a => a.EndsAt > f);
        }
        if (to is { } t)
        {
            q = q.Where(a => a.StartsAt < t);
        }
        var rows = await q.OrderBy(a => a.StartsAt).Take(1000).ToListAsync(ct);
        return rows.Select(a => ToResponse(a, callerId)).ToList();
    }

    /// <summary>One appointment, to its patient, its doctor or its hospital's staff; anyone else gets 404 (existence is not revealed).</summary>
    public async Task<AppointmentResponse> GetAsync(Guid id, Guid callerId, Role role, Guid? organizationId, CancellationToken ct)
    {
        var row = await Visible(db.Set<Appointment>().AsNoTracking(), callerId, role, organizationId).FirstOrDefaultAsync(a => a.Id == id, ct)
            ?? throw ProblemException.NotFound($"Appointment {id}");
        return ToResponse(row, callerId);
    }

    /// <summary>Doctors the patient has a booked (not yet finished or cancelled) appointment with: they are given the patient's sealed profile.</summary>
    public async Task<IReadOnlyList<Guid>> BookedDoctorsOfAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.PatientId == patientId && (a.Status == AppointmentStatus.Booked || a.Status == AppointmentStatus.Arrived || a.Status == AppointmentStatus.InProgress))
            .Select(a => a.DoctorId).Distinct().OrderBy(d => d).Take(500).ToListAsync(ct);

    /// <summary>Is the doctor in a visit with the patient (arrived or in progress)? Then they may write records in it (records.write naming the appointment).</summary>
    public Task<bool> InVisitAsync(Guid doctorId, Guid patientId, CancellationToken ct) =>
        db.Set<Appointment>().AsNoTracking().AnyAsync(a => a.DoctorId == doctorId && a.PatientId == patientId
            && (a.Status == AppointmentStatus.Arrived || a.Status == AppointmentStatus.InProgress), ct);

    /// <summary>Did the patient have a fulfilled appointment at the hospital? Then they may review it (the Hospitals feature's review rule asks).</summary>
    public Task<bool> HadFulfilledAtAsync(Guid patientId, Guid hospitalId, CancellationToken ct) =>
        db.Set<Appointment>().AsNoTracking().AnyAsync(a => a.PatientId == patientId && a.HospitalId == hospitalId && a.Status == AppointmentStatus.Fulfilled, ct);

    private static IQueryable<Appointment> Visible(IQueryable<Appointment> q, Guid callerId, Role role, Guid? organizationId) => role switch
    {
        Role.Patient => q.Where(a => a.PatientId == callerId),
        Role.Doctor => q.Where(a => a.DoctorId == callerId),
        Role.HospitalStaff when organizationId is { } h => q.Where(a => a.HospitalId == h),
        _ => q.Where(_ => false),
    };

    internal static AppointmentResponse ToResponse(Appointment a, Guid callerId) =>
        new(a.Id, a.ScheduleId, a.DoctorId, a.HospitalId, a.PatientId, a.StartsAt, a.EndsAt, a.VisitKind, a.Status,
            callerId == a.PatientId ? a.ReasonForPatient : callerId == a.DoctorId ? a.ReasonForDoctor : null,
            a.ReasonHash, a.CancelledBy, a.BookTransactionId, a.LastTransactionId, a.EncounterRecordId, a.CarePlanRecordId, a.CloseTransactionId);
}
