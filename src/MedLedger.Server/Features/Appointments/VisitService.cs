using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Appointments;

/// <summary>
/// Cancelling (either side) and moving a visit along (arrived, in progress, fulfilled, no-show). The patient signs their
/// own appointments.cancel; the doctor's and staff's actions are recorded by the peer after the checks here.
/// </summary>
public sealed class VisitService(LedgerRollForward rollForward, LedgerGateway gateway, AppointmentReader reader, AppointmentNotices notices)
{
    public async Task<AppointmentResponse> CancelAsync(Caller caller, Guid id, CancelRequest r, CancellationToken ct)
    {
        var a = await reader.GetAsync(id, caller.Id, caller.Role, caller.OrganizationId, ct);
        if (a.Status != AppointmentStatus.Booked)
        {
            throw ProblemException.Conflict($"The appointment is {a.Status}; only a booked appointment can be cancelled.");
        }
        var tx = caller.Role == Role.Patient
            ? LedgerGateway.Expect(r.Transaction, AppointmentCancelContract.TypeName, caller.Id)
            : gateway.Peer.CreateSystemTransaction(AppointmentCancelContract.TypeName, new Dictionary<string, string> { ["appointmentId"] = id.ToString() });
        if (tx.Get("appointmentId") != id.ToString())
        {
            throw ProblemException.Invalid("transaction", "The appointments.cancel transaction names a different appointment.");
        }
        await rollForward.SubmitAsync(tx, new CancelRows(caller.Id), ct);
        return await ChangedAsync(caller, id, ct);
    }

    public async Task<AppointmentResponse> SetStatusAsync(Caller caller, Guid id, StatusRequest r, CancellationToken ct)
    {
        if (r.Status is not (AppointmentStatus.Arrived or AppointmentStatus.InProgress or AppointmentStatus.Fulfilled or AppointmentStatus.NoShow))
        {
            throw ProblemException.Invalid("status", "status must be Arrived, InProgress, Fulfilled or NoShow (cancel has its own endpoint).");
        }
        // Visible to this doctor or this hospital's staff, else 404.
        await reader.GetAsync(id, caller.Id, caller.Role, caller.OrganizationId, ct);
        var tx = gateway.Peer.CreateSystemTransaction(AppointmentStatusContract.TypeName,
            new Dictionary<string, string> { ["appointmentId"] = id.ToString(), ["status"] = AppointmentStatusNames.ToLedger(r.Status) });
        await rollForward.SubmitAsync(tx, new StatusRows(), ct);
        return await ChangedAsync(caller, id, ct);
    }

    /// <summary>
    /// Closes a consultation with its outcome: the doctor's own signed appointments.close naming the Encounter and
    /// CarePlan records they wrote in it (the contract checks the records and the state; this checks who and which).
    /// </summary>
    public async Task<AppointmentResponse> CloseAsync(Caller caller, Guid id, CloseRequest r, CancellationToken ct)
    {
        // Visible to this doctor only (other doctors get 404); staff may see it but do not close it.
        var a = await reader.GetAsync(id, caller.Id, caller.Role, caller.OrganizationId, ct);
        if (caller.Role != Role.Doctor || a.DoctorId != caller.Id)
        {
            throw ProblemException.Forbidden("Only the appointment's doctor closes the consultation.");
        }
        if (a.Status is not (AppointmentStatus.Arrived or AppointmentStatus.InProgress))
        {
            throw ProblemException.Conflict($"The appointment is {a.Status}; only an arrived or in-progress visit is closed.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, AppointmentCloseContract.TypeName, caller.Id);
        if (tx.Get("appointmentId") != id.ToString() || tx.Get("patientId") != a.PatientId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The appointments.close transaction names a different appointment or patient.");
        }
        await rollForward.SubmitAsync(tx, new CloseRows(), ct);
        return await ChangedAsync(caller, id, ct);
    }

    private async Task<AppointmentResponse> ChangedAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var a = await reader.GetAsync(id, caller.Id, caller.Role, caller.OrganizationId, ct);
        await notices.ChangedAsync(a);
        return a;
    }
}
