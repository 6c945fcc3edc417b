using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

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
            var timeout = await Db(async db =>
            {
                await db.Database.OpenConnectionAsync();
                try
                {
                    await using var cmd = db.Database.GetDbConnection().CreateCommand();
                    cmd.CommandText = "PRAGMA busy_timeout";
                    return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            });
            Assert.Equal(10_000, timeout);
        }
    }
}
