using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>Returns expired holds in the background; the work itself is <see cref="BedService.ExpireDueAsync"/>, which tests call directly.</summary>
internal sealed class BookingExpirySweep(IServiceScopeFactory scopes, IOptions<HospitalOptions> options, TimeProvider clock, ILogger<BookingExpirySweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.ExpirySweepInterval, clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<BedService>().ExpireDueAsync(null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One failed sweep (e.g. store briefly unreachable) must not stop later ones.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError("Bed hold expiry sweep failed: {ExceptionType}", e.GetType().FullName);
            }
        }
    }
}
