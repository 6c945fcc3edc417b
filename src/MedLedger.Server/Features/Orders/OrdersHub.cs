using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace MedLedger.Server.Features.Orders;

/// <summary>
/// Live order status. A patient calls <see cref="Watch"/> and receives "order" for their own orders; a pharmacy's verified
/// pharmacists receive their pharmacy's. The event carries ids and the status only (<see cref="OrderNotice"/>), never the
/// sealed lines. A reconnecting client calls Watch again and re-reads the list.
/// </summary>
[Authorize(Policy = Policies.OrderParty)]
public sealed class OrdersHub : Hub
{
    public const string Path = "/hubs/orders";
    public const string OrderEvent = "order";

    public static string PatientGroup(Guid patientId) => "orders-patient-" + patientId.ToString("N");
    public static string PharmacyGroup(Guid pharmacyId) => "orders-pharmacy-" + pharmacyId.ToString("N");

    public async Task Watch()
    {
        var caller = Caller.From(Context.User!)!;
        // The group comes from the session, never from the client: no one listens to another patient or pharmacy.
        var group = caller.Role == Role.Patient ? PatientGroup(caller.Id) : PharmacyGroup(caller.Organization);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
    }
}

/// <summary>What an order event says: which order, whose, at which pharmacy, and its status now.</summary>
public sealed record OrderNotice(Guid Id, Guid PatientId, Guid PharmacyId, string Status);

/// <summary>Tells the patient and the pharmacy's pharmacists that an order's status changed (<see cref="OrdersHub"/>).</summary>
public sealed class OrderNotices(IHubContext<OrdersHub> hub)
{
    public Task ChangedAsync(OrderResponse o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return ChangedAsync(new OrderNotice(o.Id, o.PatientId, o.PharmacyId, o.Status));
    }

    public async Task ChangedAsync(OrderNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        await hub.Clients.Group(OrdersHub.PatientGroup(notice.PatientId)).SendAsync(OrdersHub.OrderEvent, notice);
        await hub.Clients.Group(OrdersHub.PharmacyGroup(notice.PharmacyId)).SendAsync(OrdersHub.OrderEvent, notice);
    }
}
