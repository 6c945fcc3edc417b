using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MedLedger.Server.Infrastructure.Data;

// Used only by `dotnet ef migrations add`; the connection strings are never opened.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMedLedgerDbContext>
{
    public SqliteMedLedgerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMedLedgerDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMedLedgerDbContext>
{
    public PostgresMedLedgerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresMedLedgerDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
