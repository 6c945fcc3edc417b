using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>
/// Live bed counts. A client calls <see cref="Watch"/> (joins the hospital's group, gets the current
/// snapshot) and then receives "beds" with the whole snapshot on every change; a reconnecting client
/// simply calls Watch again. Admins call <see cref="WatchOverview"/> and receive "occupancy" rows.
/// </summary>
[Authorize]
public sealed class BedsHub(BedService beds, HospitalVisibility visibility) : Hub
{
    public const string Path = "/hubs/beds";
    public const string BedsEvent = "beds";
    public const string OccupancyEvent = "occupancy";
    public const string OverviewGroup = "beds-overview";

    public static string HospitalGroup(Guid hospitalId) => "beds-hospital-" + hospitalId.ToString("N");

    public async Task<BedSnapshot> Watch(Guid hospitalId)
    {
        var caller = Caller.From(Context.User!)!;
        try
        {
            // Visibility check before joining, so no one listens to a hospital they may not see.
            await visibility.RequireVisibleAsync(hospitalId, caller.OrganizationId, caller.Role, Context.ConnectionAborted);
        }
        catch (ProblemException e)
        {
            throw new HubException(e.Message);
        }
        // Join first, then read: an update racing the read is delivered afterwards, never lost.
        await Groups.AddToGroupAsync(Context.ConnectionId, HospitalGroup(hospitalId), Context.ConnectionAborted);
        return await beds.SnapshotAsync(hospitalId, caller.OrganizationId, caller.Role, Context.ConnectionAborted);
    }

    public Task Unwatch(Guid hospitalId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, HospitalGroup(hospitalId), Context.ConnectionAborted);

    [Authorize(Policy = Policies.PlatformAdmin)]
    public async Task<AdminBedOverview> WatchOverview()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, OverviewGroup, Context.ConnectionAborted);
        return await beds.OverviewAsync(null, Context.ConnectionAborted);
    }
}
