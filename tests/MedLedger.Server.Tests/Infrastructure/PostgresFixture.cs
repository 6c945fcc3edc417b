using MedLedger.Testing;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>One real PostgreSQL 15 cluster for the whole collection; each test class gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await PostgresCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public async Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) =>
        await TestHost.StartAsync(configure, await Cluster.CreateDatabaseAsync("ml_" + Guid.NewGuid().ToString("N")[..16]), services);
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

