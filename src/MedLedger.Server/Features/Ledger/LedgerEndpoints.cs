using System.Security.Claims;
using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Ledger;

public static class LedgerEndpoints
{
    public static IServiceCollection AddLedger(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LedgerHostOptions>().Bind(configuration.GetSection(LedgerHostOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => LedgerContractCatalog.CreatePeer(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<IOptions<LedgerHostOptions>>().Value));
        services.AddSingleton<LedgerGateway>();
        services.AddScoped<IdentityLedger>();
        services.AddScoped<LedgerReadService>();
        services.AddScoped<AuditSearch>();
        services.AddScoped<LedgerVerifyRuns>();
        services.AddHostedService<LedgerPeerService>();
        services.AddHostedService<ConsortiumGenesisService>();
        // After the peer (hosted services start in order), before Kestrel takes requests.
        services.AddSingleton<LedgerRollForward>();
        services.AddHostedService<LedgerRollForwardService>();
        services.AddScoped<LedgerReplay>();
        if (configuration.GetSection(LedgerHostOptions.Section)["Join"] is { Length: > 0 })
        {
            services.AddHostedService<LedgerHaltWatch>();
        }
        return services;
    }

    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/ledger").WithTags("Ledger").RequireAuthorization();
        // The peer key is public: clients verify receipts with it, even before they sign in.
        g.MapGet("/peer", Peer).AllowAnonymous().WithSummary("The ledger peer's id and public key, to verify receipts and blocks");
        // Anonymous like /peer; a client pins it once (trust on first use) or is given it by its configuration.
        g.MapGet("/consortium", Consortium).AllowAnonymous().WithSummary("The consortium that certifies blocks: members (peer id, public key), threshold and fingerprint");
        g.MapGet("/keys/{userId:guid}", RegisteredKeys).WithSummary("A user's keys as registered on the ledger, with the receipt").ProducesProblems(404);
        // Sign-up checks an organization's admin-signed verification before an account exists: the organization receipt
        // and an admin's key history are ledger metadata (ids, hashes, public keys, signatures). Anonymous callers get
        // platform admins' histories only, so they cannot probe who is a professional.
        g.MapGet("/identity/{userId:guid}", IdentityHistory).AllowAnonymous().WithSummary("A professional's or admin's key history, newest verification and newest standing, with receipts (anonymous: admins only)").ProducesProblems(404);
        g.MapGet("/organizations/{organizationId:guid}/verification", OrganizationVerification).AllowAnonymous().WithSummary("The newest identity.verify about an organization, with its receipt (null when none)");
        g.MapGet("/receipts/{id}", Receipt).WithSummary("The receipt of a transaction the caller may see").ProducesProblems(404, 422);
        g.MapGet("/head", Head).WithSummary("The latest block header").ProducesProblems(404);
        g.MapGet("/blocks/{height:long}", Block).WithSummary("A block header by height (transaction ids for admins)").ProducesProblems(404);
        g.MapGet("/transactions/{id}", Transaction).WithSummary("A transaction the caller may see, with its inclusion proof").ProducesProblems(404, 422);
        // Anonymous like /peer: only hashes, and clients check heads before they sign in (docs/ledger.md "Client view").
        g.MapGet("/consistency", Consistency).AllowAnonymous().WithSummary("A consistency proof between two log sizes").ProducesProblems(422);
        // A user's own access log: every transaction that names them.
        g.MapGet("/mine", Mine).WithSummary("The caller's access log: transactions that name them, newest first").ProducesProblems(422);
        g.MapGet("/about/{subject:guid}", About).RequireAuthorization(Policies.PlatformAdmin).WithSummary("Transactions that name a user, newest first").ProducesProblems(422);
        g.MapGet("/audit", Audit).RequireAuthorization(Policies.PlatformAdmin).WithSummary("Audit search: transactions by actor, subject, type, validity and signed time, newest first").ProducesProblems(422);
        // Anonymous to the user scheme: the caller proves it is a consortium member by signing the request as a peer.
        g.MapGet("/replay", Replay).AllowAnonymous().WithSummary("Certified blocks in full for a joining member's replay (peer-signed request)").ProducesProblems(401, 403, 422);
        g.MapGet("/audit.csv", AuditCsv).RequireAuthorization(Policies.PlatformAdmin).Produces<string>(200, "text/csv").WithSummary("The audit search's newest 10,000 matches as CSV").ProducesProblems(422);
        return app;
    }

    private static PeerInfo Peer(LedgerReadService s) => s.Peer();

    private static Task<ReplayResponse> Replay(long? from, int? count, HttpRequest request, LedgerReplay s, CancellationToken ct) => s.PullAsync(request, from, count, ct);

    private static Task<ConsortiumResponse> Consortium(LedgerReadService s, CancellationToken ct) => s.ConsortiumAsync(ct);

    private static Task<RegisteredKeysResponse> RegisteredKeys(Guid userId, LedgerReadService s, CancellationToken ct) => s.RegisteredKeysAsync(userId, ct);

    private static Task<IdentityHistoryResponse> IdentityHistory(Guid userId, ClaimsPrincipal user, LedgerReadService s, CancellationToken ct) =>
        s.IdentityHistoryAsync(userId, adminsOnly: user.Identity?.IsAuthenticated != true, ct);

    private static Task<OrganizationVerificationResponse> OrganizationVerification(Guid organizationId, LedgerReadService s, CancellationToken ct) =>
        s.OrganizationVerificationAsync(organizationId, ct);

    private static Task<LedgerReceipt> Receipt(string id, Caller caller, LedgerReadService s, CancellationToken ct) => s.ReceiptAsync(id, caller.Id, caller.IsAdmin, ct);

    private static Task<BlockHeader> Head(LedgerReadService s, CancellationToken ct) => s.HeadAsync(ct);

    private static Task<BlockResponse> Block(long height, Caller caller, LedgerReadService s, CancellationToken ct) => s.BlockAsync(height, caller.IsAdmin, ct);

    private static Task<TransactionResponse> Transaction(string id, long? treeSize, Caller caller, LedgerReadService s, CancellationToken ct) =>
        s.TransactionAsync(id, treeSize, caller.Id, caller.IsAdmin, ct);

    private static Task<ConsistencyProofResult> Consistency(long from, long to, LedgerReadService s, CancellationToken ct) => s.ConsistencyAsync(from, to, ct);

    private static Task<IReadOnlyList<TransactionSummary>> Mine(long? before, int? limit, Caller caller, LedgerReadService s, CancellationToken ct) =>
        s.AboutAsync(caller.Id, before, limit, ct);

    private static Task<IReadOnlyList<TransactionSummary>> About(Guid subject, long? before, int? limit, LedgerReadService s, CancellationToken ct) =>
        s.AboutAsync(subject, before, limit, ct);

    private static Task<IReadOnlyList<TransactionSummary>> Audit(Guid? actor, Guid? subject, string? type, DateTimeOffset? from, DateTimeOffset? to, bool? valid,
        long? before, int? limit, AuditSearch s, CancellationToken ct) =>
        s.SearchAsync(new AuditQuery(actor, subject, type, from, to, valid), before, limit, ct);

    private static async Task<FileContentHttpResult> AuditCsv(Guid? actor, Guid? subject, string? type, DateTimeOffset? from, DateTimeOffset? to, bool? valid,
        AuditSearch s, CancellationToken ct) =>
        TypedResults.File(await s.CsvAsync(new AuditQuery(actor, subject, type, from, to, valid), ct), "text/csv; charset=utf-8", "ledger-audit.csv");
}
