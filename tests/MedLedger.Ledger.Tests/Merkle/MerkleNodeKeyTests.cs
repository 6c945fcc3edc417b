using MedLedger.Ledger.Merkle;

namespace MedLedger.Ledger.Tests.Merkle;

public class MerkleNodeKeyTests
{
    [Fact]
    public void Keys_of_the_nodes_a_growing_log_creates_only_grow_and_name_their_node_again()
    {
        var frontier = MerkleFrontier.Empty();
        var created = new List<(MerkleNodeKey Key, byte[] Hash)>();
        for (var i = 0; i < 5000; i++)
        {
            frontier.Append(Rfc6962.LeafHash(BitConverter.GetBytes(i)), created);
        }
        var stored = created.Where(n => n.Key.Level > 0).Select(n => n.Key).ToList();
        Assert.Equal(5000 - System.Numerics.BitOperations.PopCount(5000u), stored.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            Assert.Equal(stored[i], MerkleNodeKey.FromStoreKey(stored[i].StoreKey));
            if (i > 0)
            {
                Assert.True(stored[i].StoreKey > stored[i - 1].StoreKey, $"{stored[i]} was created after {stored[i - 1]} but keys before it");
            }
        }
    }

    [Theory]
    [InlineData(1, 0, 65)]                  // leaves 0–1: last leaf 1
    [InlineData(2, 0, 3 * 64 + 2)]          // leaves 0–3
    [InlineData(1, 1, 3 * 64 + 1)]          // leaves 2–3: completes before (2, 0) at the same leaf
    [InlineData(3, 5, 47 * 64 + 3)]         // leaves 40–47
    [InlineData(40, 3, ((4L << 40) - 1) * 64 + 40)]
    public void A_key_is_the_last_leaf_covered_times_64_plus_the_level(int level, long index, long key)
    {
        Assert.Equal(key, new MerkleNodeKey(level, index).StoreKey);
        Assert.Equal(new MerkleNodeKey(level, index), MerkleNodeKey.FromStoreKey(key));
    }

    [Theory]
    [InlineData(0)]                 // level 0: leaves live in ledger_transactions
    [InlineData(64)]                // last leaf 1, level 0
    [InlineData(4 * 64 + 1)]        // last leaf 4 ends no pair
    [InlineData(5 * 64 + 2)]        // last leaf 5 ends no run of four
    [InlineData(63)]                // level 63 is past any log's height
    [InlineData(-65)]
    public void A_key_that_names_no_perfect_subtree_is_refused(long key) =>
        Assert.Null(MerkleNodeKey.FromStoreKey(key));
}
