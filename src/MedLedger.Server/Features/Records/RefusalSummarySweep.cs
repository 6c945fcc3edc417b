using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// Writes the summaries of ended refusal windows that no later refusal of their caller wrote, and at shutdown the
/// summaries of every open window. Registered after the ledger peer's service, so it stops (and writes) before the peer.
/// </summary>
internal sealed class RefusalSummarySweep(IServiceScopeFactory scopes, IOptions<RecordOptions> options, ILogger<RefusalSummarySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefusalSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await WriteAsync(final: false, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(final: true, cancellationToken);
    }

    private async Task WriteAsync(bool final, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var written = await scope.ServiceProvider.GetRequiredService<RecordAccess>().WriteRefusalSummariesAsync(final, ct);
            if (written > 0)
            {
                logger.LogInformation("Wrote {Count} refusal summaries to the ledger", written);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The summaries were handed back to the limiter; the next sweep tries again (at shutdown they are lost, and said so).
            logger.LogWarning("Refusal summary sweep failed{Final}: {Type}", final ? " at shutdown" : "", e.GetType().Name);
        }
    }
}
