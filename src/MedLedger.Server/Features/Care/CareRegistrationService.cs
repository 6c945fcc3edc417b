using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Care;

/// <summary>
/// A patient registers with a hospital (a care.register they sign) so its staff may assign its doctors to them, and
/// may withdraw that again; staff see the patients who created such a relationship with their hospital.
/// </summary>
public sealed class CareRegistrationService(MedLedgerDbContext db, LedgerRollForward rollForward, TimeProvider clock, OrganizationDirectory organizations, BookingRelationships bookings)
{
    public async Task<RegistrationResponse> RegisterAsync(Caller patient, RegistrationRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, CareRegisterContract.TypeName, patient.Id);
        var hospitalId = await CheckAsync(patient, tx, ct);
        // Withdrawing stays open; registering is new work a suspended hospital does not take.
        await organizations.RequireNotSuspendedAsync(hospitalId, "patient registrations", ct);
        if (await db.Set<CareRegistration>().AnyAsync(x => x.PatientId == patient.Id && x.HospitalId == hospitalId, ct))
        {
            throw ProblemException.Conflict("You are already registered with this hospital.");
        }
        var rows = new RegistrationRows(patient.Id, hospitalId, clock.GetUtcNow());
        var receipt = await rollForward.SubmitAsync(tx, rows, ct);
        return new RegistrationResponse(patient.Id, hospitalId, rows.At, receipt.TransactionId);
    }

    public async Task WithdrawAsync(Caller patient, RegistrationRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, CareWithdrawContract.TypeName, patient.Id);
        var hospitalId = await CheckAsync(patient, tx, ct);
        if (!await db.Set<CareRegistration>().AnyAsync(x => x.PatientId == patient.Id && x.HospitalId == hospitalId, ct))
        {
            throw ProblemException.NotFound("Your registration with that hospital");
        }
        await rollForward.SubmitAsync(tx, new RegistrationRows(patient.Id, hospitalId, clock.GetUtcNow()), ct);
    }

    public async Task<IReadOnlyList<RegistrationResponse>> MineAsync(Caller patient, CancellationToken ct) =>
        (await db.Set<CareRegistration>().AsNoTracking().Where(x => x.PatientId == patient.Id)
            .OrderByDescending(x => x.RegisteredAt).Take(500).ToListAsync(ct)).Select(ToResponse).ToList();

    /// <summary>The patients staff may choose from: registered with their hospital, or holding or admitted on one of its beds.</summary>
    public async Task<IReadOnlyList<RelatedPatient>> RelatedPatientsAsync(Caller staff, CancellationToken ct)
    {
        var hospitalId = staff.OrganizationId ?? throw ProblemException.Forbidden("Only staff of a hospital see its patients.");
        var registered = await db.Set<CareRegistration>().AsNoTracking().Where(x => x.HospitalId == hospitalId)
            .Select(x => x.PatientId).Take(5000).ToListAsync(ct);
        var booked = (await bookings.PatientsAsync(hospitalId, ct)).ToHashSet();
        var registeredSet = registered.ToHashSet();
        return registeredSet.Union(booked).Order()
            .Select(p => new RelatedPatient(p, registeredSet.Contains(p), booked.Contains(p))).ToList();
    }

    private async Task<Guid> CheckAsync(Caller patient, MedLedger.Ledger.LedgerTransaction tx, CancellationToken ct)
    {
        if (tx.Get("patientId") != patient.Id.ToString() || !Guid.TryParseExact(tx.Get("hospitalId"), "D", out var hospitalId))
        {
            throw ProblemException.Invalid("transaction", "The transaction must name you as patientId and a hospitalId.");
        }
        _ = await organizations.VisibleAsync(hospitalId, OrganizationKind.Hospital, null, Role.Patient, ct) ?? throw ProblemException.NotFound($"Hospital {hospitalId}");
        return hospitalId;
    }

    private static RegistrationResponse ToResponse(CareRegistration x) => new(x.PatientId, x.HospitalId, x.RegisteredAt, x.TransactionId);
}
