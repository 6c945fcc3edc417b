using MedLedger.Server.Infrastructure.Errors;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MedLedger.Server.Tests.Infrastructure.Errors;

/// <summary>Which failures become which problem: overload is a 503 to retry, never a 500.</summary>
public sealed class ProblemHandlingTests
{
    [Fact]
    public void An_exhausted_postgres_pool_is_a_503_even_when_wrapped_by_ef()
    {
        var exhausted = new NpgsqlException("The connection pool has been exhausted", new TimeoutException());
        Assert.Equal(503, ProblemExceptionHandler.Map(exhausted)?.Status);
        Assert.Equal(503, ProblemExceptionHandler.Map(new DbUpdateException("save failed", exhausted))?.Status);
        Assert.Equal(503, ProblemExceptionHandler.Map(new InvalidOperationException("outer", exhausted))?.Status);
    }

    [Fact]
    public void A_busy_sqlite_database_is_a_503_and_a_constraint_violation_is_not()
    {
        Assert.Equal(503, ProblemExceptionHandler.Map(new SqliteException("database is locked", 5))?.Status);
        // A constraint failure is a bug in the caller's service (it should have checked), so it stays unhandled.
        Assert.Null(ProblemExceptionHandler.Map(new SqliteException("constraint failed", 19)));
        Assert.Null(ProblemExceptionHandler.Map(new InvalidOperationException("a bug")));
    }
}
