using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>
/// A fresh <see cref="TestHost"/> for every test, disposed after it. SQLite unless the class overrides
/// <see cref="StartHostAsync"/>: a suite's PostgreSQL variant starts it with <see cref="PostgresFixture.StartHostAsync"/>.
/// </summary>
public abstract class HostTestBase : IAsyncLifetime
{
    protected TestHost Host = null!;

    protected virtual Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => TestHost.StartAsync(configure);

    public virtual async Task InitializeAsync() => Host = await StartHostAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Runs <paramref name="f"/> on the host's database in a scope of its own.</summary>
    protected async Task<T> Db<T>(Func<MedLedgerDbContext, Task<T>> f)
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await f(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>());
    }
}

/// <summary>Users registered and signed in over plain HTTP (<see cref="TestUsers"/>).</summary>
public abstract class HttpUserTestBase : HostTestBase
{
    protected TestUsers Users = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Users = new TestUsers(Host);
    }
}

/// <summary>Users driven through the real C# SDK (<see cref="SdkWorld"/>).</summary>
public abstract class SdkTestBase : HostTestBase
{
    protected SdkWorld World = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        World = new SdkWorld(Host);
    }
}
