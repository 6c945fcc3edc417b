using MedLedger.Server.Infrastructure.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace MedLedger.Server.Features.Messages;

/// <summary>
/// Live message events. A connection joins only its own user's group (<see cref="Watch"/>), and the services send each event to the groups
/// of that conversation's participants, so only participants hear of a conversation. Events carry ids ("message":
/// conversation, sequence number, client message id, sender; "read": conversation, reader, marker), never content;
/// the client then fetches and opens the message itself.
/// </summary>
[Authorize(Policy = Policies.MessageParticipant)]
public sealed class MessagesHub : Hub
{
    public const string Path = "/hubs/messages";
    public const string MessageEventName = "message";
    public const string ReadEventName = "read";

    public static string UserGroup(Guid userId) => "messages-user-" + userId.ToString("N");

    /// <summary>Starts delivery of the caller's events; returns once joined, so nothing sent after it is missed (call again after a reconnect).</summary>
    public Task Watch() => Groups.AddToGroupAsync(Context.ConnectionId, UserGroup(Caller.From(Context.User!)!.Id), Context.ConnectionAborted);
}
