using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Infrastructure.Data;

/// <summary>
/// The rows' commit and (under the embedded orderer) the pending write skip their own fsync; every other commit must
/// still wait for the disk, so the pooled connection has to come back at FULL — also when the work throws.
/// </summary>
public sealed class SqliteSynchronousNormalTests : HostTestBase
{
    private const long Normal = 1;
    private const long Full = 2;

    [Fact]
    public async Task The_work_runs_at_NORMAL_and_the_pooled_connection_is_back_at_FULL_afterwards()
    {
        Assert.Equal(Full, await Db(SynchronousAsync));
        var inside = await Db(db => SqliteSynchronousNormal.RunAsync(db, () => SynchronousAsync(db), CancellationToken.None));
        Assert.Equal(Normal, inside);
        // The next users take the same pooled connection (one at a time here): it must be FULL again.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Full, await Db(SynchronousAsync));
        }
    }

    [Fact]
    public async Task A_failing_unit_of_work_also_leaves_the_connection_at_FULL()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db(db =>
            SqliteSynchronousNormal.RunAsync<int>(db, () => throw new InvalidOperationException("row writer failed"), CancellationToken.None)));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Full, await Db(SynchronousAsync));
        }
    }

    [Fact]
    public async Task A_connection_that_cannot_be_set_back_to_FULL_is_not_handed_out_again()
    {
        // SQLite refuses to change the safety level inside a transaction: a unit of work that leaves one open makes the
        // restore fail. The pool is cleared then, so no later user gets this connection at NORMAL.
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => Db(db => SqliteSynchronousNormal.RunAsync(db, async () =>
        {
            await db.Database.ExecuteSqlRawAsync("BEGIN");
            return 0;
        }, CancellationToken.None)));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Full, await Db(SynchronousAsync));
        }
    }

    private static Task<long> SynchronousAsync(MedLedgerDbContext db) => SqlitePragma.ReadAsync(db, "synchronous");
}
