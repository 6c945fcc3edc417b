using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Server.Features.Orders;

public static class OrdersEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSignalR();
        services.AddScoped<OrderNotices>();
        services.AddScoped<OrderExpiry>();
        services.AddScoped<OrderQueries>();
        services.AddScoped<OrderPlacing>();
        services.AddScoped<OrderProgress>();
        services.AddScoped<ILedgerRowWriter, OrderLedgerRows>();
        services.AddScoped<ILedgerRowRepair, SubmittingOrderRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        // Patients place and follow their own orders; the pharmacy's own verified pharmacists work its queue.
        var g = app.MapGroup("/api/orders").WithTags("Orders");
        g.MapPost("", Place).RequireAuthorization(Policies.Patient).WithSummary("Place an order sealed for the pharmacy, with a patient-signed orders.place (Idempotency-Key required)").ProducesProblems(404, 409, 422);
        g.MapGet("", Mine).RequireAuthorization(Policies.Patient).WithSummary("Your orders, oldest first (orders past their expiry are expired first, on the ledger)").ProducesProblems(409, 422);
        g.MapGet("/{id:guid}", One).RequireAuthorization(Policies.Patient).WithSummary("One of your orders with the ledger receipt of its placing").ProducesProblems(404, 409, 422);
        g.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(Policies.Patient).WithSummary("Cancel your order while placed or accepted").ProducesProblems(404, 409, 422);
        var p = app.MapGroup("/api/pharmacies/{pharmacyId:guid}/orders").WithTags("Orders");
        p.MapGet("", Queue).RequireAuthorization(Policies.Pharmacist).WithSummary("The pharmacy's orders (optionally of one status), oldest first").ProducesProblems(403, 404, 409, 422);
        p.MapGet("/{id:guid}", PharmacyOrder).RequireAuthorization(Policies.Pharmacist).WithSummary("One order of the pharmacy with the ledger receipt of its placing").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/accept", Accept).RequireAuthorization(Policies.Pharmacist).WithSummary("Accept an order (commitment to the stock reservation; issues the payable)").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/ready", Ready).RequireAuthorization(Policies.Pharmacist).WithSummary("Mark an accepted order ready for collection").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/collect", Collect).RequireAuthorization(Policies.Pharmacist).WithSummary("Hand a ready, paid order over").ProducesProblems(403, 404, 409, 422);
        p.MapPost("/{id:guid}/decline", Decline).RequireAuthorization(Policies.Pharmacist).WithSummary("Decline a placed order with a reason code").ProducesProblems(403, 404, 409, 422);
        app.MapHub<OrdersHub>(OrdersHub.Path).RequireAuthorization(Policies.OrderParty);
        return app;
    }

    private static async Task<Created<OrderResponse>> Place([FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, PlaceOrderRequest r, Caller caller, OrderPlacing s, CancellationToken ct)
    {
        var order = await s.PlaceAsync(caller, idempotencyKey, r, ct);
        return TypedResults.Created($"/api/orders/{order.Id}", order);
    }

    private static Task<IReadOnlyList<OrderResponse>> Mine(Caller caller, OrderQueries s, CancellationToken ct) => s.MineAsync(caller, ct);

    private static Task<OrderResponse> One(Guid id, Caller caller, OrderQueries s, CancellationToken ct) => s.MineAsync(caller, id, ct);

    private static Task<OrderResponse> Cancel(Guid id, OrderStatusRequest r, Caller caller, OrderProgress s, CancellationToken ct) => s.CancelAsync(id, caller, r, ct);

    private static Task<IReadOnlyList<OrderResponse>> Queue(Guid pharmacyId, string? status, Caller caller, OrderQueries s, CancellationToken ct) =>
        s.QueueAsync(pharmacyId, caller, status, ct);

    private static Task<OrderResponse> PharmacyOrder(Guid pharmacyId, Guid id, Caller caller, OrderQueries s, CancellationToken ct) => s.PharmacyOrderAsync(pharmacyId, caller, id, ct);

    private static Task<OrderResponse> Accept(Guid pharmacyId, Guid id, OrderStatusRequest r, Caller caller, OrderProgress s, CancellationToken ct) =>
        s.PharmacistMoveAsync(pharmacyId, id, OrderStatusContract.Accepted, caller, r, ct);

    private static Task<OrderResponse> Ready(Guid pharmacyId, Guid id, OrderStatusRequest r, Caller caller, OrderProgress s, CancellationToken ct) =>
        s.PharmacistMoveAsync(pharmacyId, id, OrderStatusContract.Ready, caller, r, ct);

    private static Task<OrderResponse> Collect(Guid pharmacyId, Guid id, OrderStatusRequest r, Caller caller, OrderProgress s, CancellationToken ct) =>
        s.PharmacistMoveAsync(pharmacyId, id, OrderStatusContract.Collected, caller, r, ct);

    private static Task<OrderResponse> Decline(Guid pharmacyId, Guid id, OrderStatusRequest r, Caller caller, OrderProgress s, CancellationToken ct) =>
        s.PharmacistMoveAsync(pharmacyId, id, OrderStatusContract.Declined, caller, r, ct);
}
