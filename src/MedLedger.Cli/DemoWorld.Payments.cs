using MedLedger.Client;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>
    /// patient5's wallet (docs/payments.md, "Demo"), through the SDK: two top-ups, a counter payable paid
    /// with a payment the patient signs, and a second counter payable paid and then refunded in full by the pharmacist.
    /// </summary>
    private static async Task SeedPaymentsAsync(MedLedgerClient patient, MedLedgerClient pharmacist, Guid patientId, CancellationToken ct)
    {
        await patient.TopUpAsync(5000, "EUR", "demo card payment 1", ct: ct);
        await patient.TopUpAsync(2000, "EUR", "demo card payment 2", ct: ct);
        var amoxicillin = await pharmacist.CreatePayableAsync(patientId, 1290, "EUR", ct);
        await patient.PayAsync(amoxicillin.Id, ct);
        var returned = await pharmacist.CreatePayableAsync(patientId, 499, "EUR", ct);
        var payment = await patient.PayAsync(returned.Id, ct);
        await pharmacist.RefundPaymentAsync(payment.Id, payment.Amount, ct);
    }
}
