using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// `serve --consortium` (etcd ordering): until the shared ledger holds a consortium.genesis, this peer submits one naming
/// its consortium file's view and waits for it to be applied before the server takes requests. Every member does; the
/// first one ordered wins and the others are recorded as conflicts. When the ledger pinned another view, the peer has
/// halted (<see cref="LedgerPeer.HaltReason"/>) and start-up fails with that one clear sentence. The embedded peer has
/// no genesis: its consortium is its configuration.
/// </summary>
internal sealed class ConsortiumGenesisService(LedgerPeer peer, IOptions<LedgerHostOptions> options, ILogger<ConsortiumGenesisService> log) : IHostedService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Ordering != LedgerHostOptions.EtcdOrdering)
        {
            return;
        }
        while (!peer.ConsortiumPinned)
        {
            try
            {
                var tx = peer.CreateSystemTransaction(ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(peer.ConfiguredConsortium));
                await peer.SubmitAsync(tx, cancellationToken);
                log.LogInformation("Consortium {Fingerprint} pinned at genesis by this peer", peer.ConfiguredConsortium.Fingerprint);
            }
            catch (LedgerRejectedException e)
            {
                // Another member's genesis was ordered first (a conflict): the check below decides whether it is ours.
                log.LogInformation("Genesis by this peer not applied: {Reason}", e.Reason);
            }
            catch (Exception e) when (e is LedgerNotCertifiedException or InvalidOperationException)
            {
                // Not certified yet (the other members are still starting) or the peer halted: look again.
                log.LogInformation("Waiting for the consortium genesis: {Reason}", e.Message);
            }
            if (peer.HaltReason is { } halted)
            {
                throw new LedgerConsortiumMismatchException(halted);
            }
            if (peer.Halted is not null && options.Value.Join is not null)
            {
                // A joining peer whose replay failed (a member refused it, or the approvals do not name it) never applies
                // a genesis: stop waiting, and LedgerHaltWatch logs the reason and ends the process (exit code 3).
                return;
            }
            if (!peer.ConsortiumPinned)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
