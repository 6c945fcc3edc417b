using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Organizations;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>
/// The one relational store. Provider-specific subclasses exist only so each provider
/// carries its own migrations (SQLite and PostgreSQL differ in DDL).
/// </summary>
public abstract class MedLedgerDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<UserAccount> Users => Set<UserAccount>();
    public DbSet<KeyBundleRecord> KeyBundles => Set<KeyBundleRecord>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<LoginChallenge> LoginChallenges => Set<LoginChallenge>();
    public DbSet<PendingRegistration> PendingRegistrations => Set<PendingRegistration>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<SecurityEvent> SecurityEvents => Set<SecurityEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(MedLedgerDbContext).Assembly, t => !t.IsAbstract);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name: readable in the database and stable if members are reordered.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
        // SQLite cannot order or compare DateTimeOffset; unix milliseconds work on both providers.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUnixMsConverter>();
    }
}

public sealed class SqliteMedLedgerDbContext(DbContextOptions<SqliteMedLedgerDbContext> options) : MedLedgerDbContext(options);

public sealed class PostgresMedLedgerDbContext(DbContextOptions<PostgresMedLedgerDbContext> options) : MedLedgerDbContext(options);

internal sealed class DateTimeOffsetToUnixMsConverter()
    : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
