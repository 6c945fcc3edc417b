namespace MedLedger.Server.Features.Consent;

/// <summary>Periodically removes wraps of expired grants.</summary>
internal sealed class ConsentExpirySweep(IServiceScopeFactory scopes, ILogger<ConsentExpirySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var removed = await scope.ServiceProvider.GetRequiredService<ConsentService>().SweepExpiredAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Removed {Count} wraps of expired consent grants", removed);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Consent expiry sweep failed: {Type}", e.GetType().Name);
            }
        }
    }
}
