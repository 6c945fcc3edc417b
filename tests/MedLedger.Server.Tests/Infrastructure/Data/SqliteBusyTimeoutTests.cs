using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Infrastructure.Data;

/// <summary>
/// A request that finds the SQLite file locked (by another request or the ledger's committer) waits in SQLite's busy
/// handler; without a busy timeout Microsoft.Data.Sqlite sleeps a fixed 150 ms per retry, blocking a thread each time.
/// </summary>
public sealed class SqliteBusyTimeoutTests : HostTestBase
{
    [Fact]
    public async Task Every_connection_EF_opens_has_SQLites_busy_timeout_set()
    {
        // Twice: the second open takes the pooled connection back, and must have it too.
        for (var i = 0; i < 2; i++)
        {
            var timeout = await Db(db => SqlitePragma.ReadAsync(db, "busy_timeout"));
            Assert.Equal(10_000, timeout);
        }
    }
}
