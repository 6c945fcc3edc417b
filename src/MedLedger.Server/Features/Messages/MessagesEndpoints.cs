using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.OpenApi;

namespace MedLedger.Server.Features.Messages;

public static class MessagesEndpoints
{
    public static IServiceCollection AddMessages(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ConversationEligibility>();
        services.AddScoped<ConversationService>();
        services.AddScoped<MessageService>();
        return services;
    }

    public static IEndpointRouteBuilder MapMessages(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/conversations").WithTags("Messages");
        g.MapPost("/", Start).RequireAuthorization(Policies.MessageParticipant).WithSummary("Open a conversation between a patient and their doctors, with a sealed subject signed over the participants").ProducesProblems(403, 404, 409, 422);
        g.MapGet("/", Mine).RequireAuthorization(Policies.MessageParticipant).WithSummary("Your conversations with your subject wrap and unread count");
        g.MapGet("/{conversationId:guid}", Get).RequireAuthorization(Policies.MessageParticipant).WithSummary("One conversation you take part in (404 otherwise)").ProducesProblems(404);
        g.MapGet("/{conversationId:guid}/messages", List).RequireAuthorization(Policies.MessageParticipant).WithSummary("Sealed messages after a sequence number, each with your key wrap").ProducesProblems(404);
        g.MapPost("/{conversationId:guid}/messages", Send).RequireAuthorization(Policies.MessageParticipant).WithSummary("Send a sealed, signed message (a retry with the same client message id answers the first result)").ProducesProblems(404, 409, 422);
        g.MapPost("/{conversationId:guid}/attachments", Upload).RequireAuthorization(Policies.MessageParticipant).WithMetadata(new BodySizeLimit(8 * 1024 * 1024)).WithSummary("Upload a sealed attachment blob before sending the message that names it").ProducesProblems(404, 413, 422);
        g.MapGet("/{conversationId:guid}/attachments/{hash}", Download).RequireAuthorization(Policies.MessageParticipant).WithSummary("A sealed attachment of a conversation you take part in").ProducesProblems(404);
        g.MapPost("/{conversationId:guid}/read", MarkRead).RequireAuthorization(Policies.MessageParticipant).WithSummary("Move your read marker forward (never back)").ProducesProblems(404, 422);
        app.MapHub<MessagesHub>(MessagesHub.Path).RequireAuthorization(Policies.MessageParticipant);
        return app;
    }

    private static Task<ConversationResponse> Start(StartConversationRequest r, Caller caller, ConversationService s, CancellationToken ct) => s.StartAsync(caller, r, ct);

    private static Task<IReadOnlyList<ConversationResponse>> Mine(Caller caller, ConversationService s, CancellationToken ct) => s.MineAsync(caller, ct);

    private static Task<ConversationResponse> Get(Guid conversationId, Caller caller, ConversationService s, CancellationToken ct) => s.GetAsync(caller, conversationId, ct);

    private static Task<IReadOnlyList<MessageResponse>> List(Guid conversationId, long? after, Caller caller, MessageService s, CancellationToken ct) => s.ListAsync(caller, conversationId, after ?? 0, ct);

    private static Task<MessageResponse> Send(Guid conversationId, SendMessageRequest r, Caller caller, MessageService s, CancellationToken ct) => s.SendAsync(caller, conversationId, r, ct);

    private static Task<AttachmentResponse> Upload(Guid conversationId, AttachmentUploadRequest r, Caller caller, MessageService s, CancellationToken ct) => s.UploadAttachmentAsync(caller, conversationId, r, ct);

    private static Task<AttachmentResponse> Download(Guid conversationId, string hash, Caller caller, MessageService s, CancellationToken ct) => s.ReadAttachmentAsync(caller, conversationId, hash, ct);

    private static Task<ReadStateResponse> MarkRead(Guid conversationId, MarkReadRequest r, Caller caller, MessageService s, CancellationToken ct) => s.MarkReadAsync(caller, conversationId, r, ct);
}
