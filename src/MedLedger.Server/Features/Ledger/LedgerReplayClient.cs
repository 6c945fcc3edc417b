using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Ordering;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// A joining peer's side of GET /api/ledger/replay: each request signed with this peer's ledger key. A member that is
/// briefly unreachable is retried (bounded); after that the pull fails and the joining peer halts rather than guess.
/// </summary>
public sealed class LedgerReplayClient(HttpClient http, Uri member, string peerId, byte[] peerPrivateKey) : IBlockSource
{
    private const int Attempts = 30;
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<PulledBlock>> PullAsync(long fromHeight, CancellationToken ct)
    {
        var path = $"/api/ledger/replay?from={fromHeight.ToString(CultureInfo.InvariantCulture)}&count={LedgerReplay.MaxBlocks}";
        var uri = new Uri(member, path);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using (var key = new LedgerSigningKey(peerPrivateKey))
            {
                var (peer, time, signature) = PeerRequest.Sign(peerId, "GET", uri.PathAndQuery, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), key);
                request.Headers.Add(PeerRequest.PeerHeader, peer);
                request.Headers.Add(PeerRequest.TimeHeader, time);
                request.Headers.Add(PeerRequest.SignatureHeader, signature);
            }
            try
            {
                using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    // The member refuses this peer or the range: retrying would not change its answer.
                    throw new InvalidOperationException($"{member} refused the replay from block {fromHeight}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
                }
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadFromJsonAsync<ReplayResponse>(Json, ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"{member} sent an empty replay response");
                return body.Blocks.Select(b => new PulledBlock(b.Header,
                    b.Transactions.Select(t => new PulledTransaction(t.SigningBytes, t.Signature, t.Valid, t.Reason)).ToList())).ToList();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && attempt < Attempts)
            {
                await Task.Delay(Pause, ct).ConfigureAwait(false);
            }
        }
    }
}
