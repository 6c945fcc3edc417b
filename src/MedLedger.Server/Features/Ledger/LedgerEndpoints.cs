using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
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
        services.AddHostedService<LedgerPeerService>();
        return services;
    }

    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/ledger").WithTags("Ledger").RequireAuthorization();
        // The peer key is public: clients verify receipts with it, even before they sign in.
        g.MapGet("/peer", Peer).AllowAnonymous();
        g.MapGet("/keys/{userId:guid}", RegisteredKeys);
        g.MapGet("/receipts/{id}", Receipt);
        g.MapGet("/head", Head);
        g.MapGet("/blocks/{height:long}", Block);
        g.MapGet("/transactions/{id}", Transaction);
        g.MapGet("/consistency", Consistency);
        // A user's own access log: every transaction that names them.
        g.MapGet("/mine", Mine);
        g.MapGet("/about/{subject:guid}", About).RequireAuthorization(Policies.PlatformAdmin);
        return app;
    }

    private static PeerInfo Peer(LedgerReadService s) => s.Peer();

    private static Task<RegisteredKeysResponse> RegisteredKeys(Guid userId, LedgerReadService s, CancellationToken ct) => s.RegisteredKeysAsync(userId, ct);

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
}
