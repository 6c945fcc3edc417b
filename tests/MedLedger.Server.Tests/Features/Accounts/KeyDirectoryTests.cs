using System.Net;
using System.Text.Json;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>The key directory: one's own wrapped key bundle, everyone else's public keys only; on SQLite and PostgreSQL.</summary>
public abstract class KeyDirectoryFlows : HttpUserTestBase
{
    [Fact]
    public async Task Key_bundles_own_wrapped_and_others_public_only()
    {
        var alice = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var bob = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var own = await alice.Api.GetFromJsonAsyncSafe<OwnKeyBundleResponse>("/api/me/keys");
        Assert.Equal(alice.Keys.Signing.PublicKey, own.SigningPublicKey);
        Assert.NotEmpty(own.PasswordWrappedPrivateKeys);
        Assert.Equal(600_000, own.Kdf.Iterations);
        var raw = await (await bob.Api.GetAsync($"/api/users/{alice.Id}/keys")).Content.ReadAsStringAsync();
        var pub = JsonSerializer.Deserialize<PublicKeysResponse>(raw, TestHost.Json)!;
        Assert.Equal(alice.Keys.Encryption.PublicKey, pub.EncryptionPublicKey);
        Assert.DoesNotContain("wrapped", raw, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Api.GetAsync($"/api/users/{Guid.NewGuid()}/keys")).StatusCode);
        using var anon = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync($"/api/users/{alice.Id}/keys")).StatusCode);
    }
}

public sealed class SqliteKeyDirectoryTests : KeyDirectoryFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresKeyDirectoryTests(PostgresFixture pg) : KeyDirectoryFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}
