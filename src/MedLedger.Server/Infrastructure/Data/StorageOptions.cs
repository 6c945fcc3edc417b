using System.ComponentModel.DataAnnotations;

namespace MedLedger.Server.Infrastructure.Data;

public enum StorageProvider
{
    Sqlite,
    Postgres,
}

public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder for the SQLite file, blobs and the message outbox.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Required for PostgreSQL; for SQLite defaults to data/medledger.db.</summary>
    public string? ConnectionString { get; set; }

    public string SqliteConnectionString =>
        ConnectionString ?? $"Data Source={Path.Combine(DataDirectory, "medledger.db")};Pooling=True";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult("Storage:ConnectionString is required when Storage:Provider=Postgres.", [nameof(ConnectionString)]);
        }
    }
}
