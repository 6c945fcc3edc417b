using Grpc.Core;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// A call's first attempt has a short deadline so a call caught by a leader's death moves on quickly (the failover
/// gap in docs/benchmarks.md); a call that is merely slow must still complete, and exactly once.
/// </summary>
public sealed class CallDeadlineTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    [Fact]
    public void A_missed_deadline_doubles_up_to_the_ceiling_and_never_shrinks()
    {
        var max = TimeSpan.FromSeconds(30);
        Assert.Equal(TimeSpan.FromSeconds(3), EtcdOrderingService.NextTimeout(TimeSpan.FromSeconds(1.5), max));
        Assert.Equal(max, EtcdOrderingService.NextTimeout(TimeSpan.FromSeconds(20), max));
        Assert.Equal(max, EtcdOrderingService.NextTimeout(max, max));
        // A first deadline configured above the ceiling is kept, not cut down to it.
        Assert.Equal(TimeSpan.FromSeconds(40), EtcdOrderingService.NextTimeout(TimeSpan.FromSeconds(40), max));
    }

    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, "", true)]
    [InlineData(StatusCode.DeadlineExceeded, "context deadline exceeded", true)]
    // etcd's own answer when the proposal outlives the deadline the client sent with it.
    [InlineData(StatusCode.Unavailable, "etcdserver: request timed out", true)]
    [InlineData(StatusCode.Unavailable, "etcdserver: request timed out, possibly due to previous leader failure", true)]
    [InlineData(StatusCode.Unavailable, "etcdserver: request timed out, possibly due to connection lost", true)]
    // A member that is down or has no leader: move on, but the deadline was not the problem.
    [InlineData(StatusCode.Unavailable, "Error connecting to subchannel.", false)]
    [InlineData(StatusCode.Unavailable, "etcdserver: no leader", false)]
    [InlineData(StatusCode.Unavailable, "etcdserver: leader changed", false)]
    [InlineData(StatusCode.Internal, "etcdserver: request timed out", false)]
    public void A_deadline_counts_as_missed_when_the_client_or_etcd_says_time_ran_out(StatusCode code, string detail, bool missed) =>
        Assert.Equal(missed, EtcdOrderingService.MissedDeadline(new RpcException(new Status(code, detail))));

    [Fact]
    public async Task A_write_too_slow_for_its_first_deadline_completes_on_a_longer_one_and_is_stored_once()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var options = cluster.OptionsFor("peer-a");
        // No real etcd call finishes in a millisecond: every call misses its first deadline.
        options.CallTimeout = TimeSpan.FromMilliseconds(1);
        options.MaxCallTimeout = TimeSpan.FromSeconds(20);
        await using var ordering = new EtcdOrderingService(options, consortium.StoreOf("peer-a"), "peer-a",
            consortium.PrivateKeys["peer-a"], consortium.PublicKeys);
        // A fixed deadline would retry this forever; the bound turns that into a failure instead of a hang.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var value = new byte[1024 * 1024];
        Random.Shared.NextBytes(value);

        var first = await ordering.WriteOnceAsync(value, bound.Token);
        var again = await ordering.WriteOnceAsync(value, bound.Token);

        Assert.True(ordering.DeadlinesMissed >= 1, $"expected missed deadlines, saw {ordering.DeadlinesMissed}");
        // An attempt that missed its deadline may still have committed; the retry finds it and writes nothing.
        Assert.True(first > 0);
        Assert.Equal(first, again);
        var revisions = await ordering.EnvelopeRevisionsAsync("peer-a", bound.Token);
        Assert.Equal([first], revisions);
    }
}
