using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

public class AbsenceFilterTests
{
    [Fact]
    public void Every_added_nonce_and_key_is_reported_as_maybe_present_while_the_filter_grows_layer_by_layer()
    {
        var nonces = new AbsenceFilter(initialCapacity: 1024);
        var keys = new AbsenceFilter(initialCapacity: 1024);
        var rng = new Random(7);
        var added = new List<(string, long)>();
        for (var i = 0; i < 200_000; i++)
        {
            var actor = "u-" + rng.Next(5000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var nonce = rng.NextInt64();
            nonces.Add(actor, nonce);
            keys.Add("bench/record/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            added.Add((actor, nonce));
        }
        Assert.True(nonces.Layers > 5);
        Assert.All(added, a => Assert.True(nonces.MightContain(a.Item1, a.Item2)));
        for (var i = 0; i < 200_000; i++)
        {
            Assert.True(keys.MightContain("bench/record/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Items_never_added_are_mostly_reported_absent_so_they_cost_no_database_read()
    {
        var nonces = new AbsenceFilter();
        for (var n = 0L; n < 100_000; n++)
        {
            nonces.Add("u-alice", n);
        }
        // The same actor's next nonces, another actor's same nonces: different items.
        var maybe = 0;
        for (var n = 100_000L; n < 200_000; n++)
        {
            maybe += nonces.MightContain("u-alice", n) ? 1 : 0;
            maybe += nonces.MightContain("u-bob", n - 100_000) ? 1 : 0;
        }
        Assert.InRange(maybe, 0, 200_000 / 20);
        Assert.False(new AbsenceFilter().MightContain("anything"));
    }
}
