namespace MedLedger.Server.Features.Accounts;

/// <summary>Deletes expired pending registrations in the background; the work itself is <see cref="RegistrationService.SweepExpiredAsync"/>, which tests call directly.</summary>
internal sealed class PendingRegistrationSweep(IServiceScopeFactory scopes, TimeProvider clock, ILogger<PendingRegistrationSweep> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<RegistrationService>().SweepExpiredAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One failed sweep (e.g. store briefly unreachable) must not stop later ones.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError("Pending registration sweep failed: {ExceptionType}", e.GetType().FullName);
            }
        }
    }
}
