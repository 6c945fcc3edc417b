using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace MedLedger.Server.Infrastructure.Data;

/// <summary>
/// One <typeparamref name="T"/> (a set of compiled queries) per EF model. EF binds a compiled query to the first model
/// it runs against and throws for any other, and one process can hold several: SQLite and PostgreSQL hosts side by side
/// in the tests, or two servers in one process. Entries go when their model does.
/// </summary>
internal sealed class PerModel<T>(Func<T> create) where T : class
{
    private readonly ConditionalWeakTable<IModel, T> _byModel = new();

    public T For(DbContext db) => _byModel.GetValue(db.Model, _ => create());
}
