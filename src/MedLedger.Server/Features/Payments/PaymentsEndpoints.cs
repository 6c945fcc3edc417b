using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MedLedger.Server.Features.Payments;

public static class PaymentsEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<Journal>();
        services.AddScoped<PayeeTakings>();
        services.AddScoped<IdempotencyKeys>();
        services.AddScoped<TopUpService>();
        services.AddScoped<PayableService>();
        services.AddScoped<InsurancePayouts>();
        services.AddScoped<PaymentService>();
        services.AddScoped<RefundService>();
        services.AddScoped<WalletHistoryService>();
        services.AddScoped<ILedgerRowWriter, PaymentLedgerRows>();
        services.AddScoped<ILedgerRowRepair, PendingPaymentRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/payments").WithTags("Payments");
        g.MapGet("/wallet", Balances).RequireAuthorization(Policies.Patient).WithSummary("Your wallet's balance in every currency").ProducesProblems();
        g.MapPost("/wallet/top-ups", TopUp).RequireAuthorization(Policies.Patient).WithSummary("Top up your wallet with an outside payment's reference (Idempotency-Key required)").ProducesProblems(409, 422);
        g.MapGet("/wallet/history", History).RequireAuthorization(Policies.Patient).WithSummary("Your top-ups and payments with refunds, each payment with its ledger receipt").ProducesProblems(404);
        g.MapGet("/wallet/payables", PatientPayables).RequireAuthorization(Policies.Patient).WithSummary("Payables made out to you").ProducesProblems();
        g.MapPost("/wallet/payables/{payableId:guid}/payment", Pay).RequireAuthorization(Policies.Patient).WithSummary("Pay a payable with a payments.pay you signed (Idempotency-Key required)").ProducesProblems(403, 404, 409, 422);
        g.MapPost("/payables", CreatePayable).RequireAuthorization(Policies.Pharmacist).WithSummary("Make a counter payable for a patient (the amount is fixed now)").ProducesProblems(404, 409, 422);
        g.MapGet("/payables", PayeePayables).RequireAuthorization(Policies.Pharmacist).WithSummary("Your pharmacy's payables and the payments that settled them").ProducesProblems();
        g.MapPost("/{paymentId:guid}/refunds", Refund).RequireAuthorization(Policies.Pharmacist).WithSummary("Refund a payment to your pharmacy (a pharmacist-signed payments.refund)").ProducesProblems(403, 404, 409, 422);
        return app;
    }

    private static Task<IReadOnlyList<WalletBalance>> Balances(Caller caller, WalletHistoryService s, CancellationToken ct) => s.BalancesAsync(caller, ct);

    private static Task<TopUpResponse> TopUp([FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, TopUpRequest r, Caller caller, TopUpService s, CancellationToken ct) =>
        s.TopUpAsync(caller, idempotencyKey, r, ct);

    private static Task<WalletHistory> History(Caller caller, WalletHistoryService s, CancellationToken ct) => s.HistoryAsync(caller, ct);

    private static Task<IReadOnlyList<PayableResponse>> PatientPayables(Caller caller, PayableService s, CancellationToken ct) => s.ListForPatientAsync(caller, ct);

    private static Task<PaymentResponse> Pay(Guid payableId, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, PayRequest r, Caller caller, PaymentService s, CancellationToken ct) =>
        s.PayAsync(caller, payableId, idempotencyKey, r, ct);

    private static async Task<Created<PayableResponse>> CreatePayable(CreatePayableRequest r, Caller caller, PayableService s, CancellationToken ct)
    {
        var res = await s.CreateCounterAsync(caller, r, ct);
        return TypedResults.Created($"/api/payments/payables/{res.Id}", res);
    }

    private static Task<IReadOnlyList<PayableResponse>> PayeePayables(Caller caller, PayableService s, CancellationToken ct) => s.ListForPayeeAsync(caller, ct);

    private static Task<PaymentResponse> Refund(Guid paymentId, RefundRequest r, Caller caller, RefundService s, CancellationToken ct) => s.RefundAsync(caller, paymentId, r, ct);
}
