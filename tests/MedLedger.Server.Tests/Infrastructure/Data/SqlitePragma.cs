using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Infrastructure.Data;

/// <summary>A pragma's value on the connection EF hands out (the pooled one, when one is free).</summary>
internal static class SqlitePragma
{
    public static async Task<long> ReadAsync(MedLedgerDbContext db, string pragma)
    {
        await db.Database.OpenConnectionAsync();
        try
        {
            await using var cmd = db.Database.GetDbConnection().CreateCommand();
            cmd.CommandText = "PRAGMA " + pragma;
            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
