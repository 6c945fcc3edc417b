using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>
/// Shared by the records, consent and care suites: SDK users, a platform admin created before every test,
/// the FHIR test data and what the ledger holds about a subject.
/// </summary>
public abstract class RecordTestBase : SdkTestBase
{
    protected SdkUser Admin = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = await World.AdminAsync();
    }

    protected static string Fhir(string file) => File.ReadAllText(Repo.TestData("fhir-r4", file));

    protected async Task<IReadOnlyList<StoredLike>> LedgerAbout(Guid subject)
    {
        var rows = await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(subject.ToString(), null, 1000);
        return rows.Select(r => new StoredLike(r.Transaction.Type, r.Transaction.Payload)).ToList();
    }

    protected sealed record StoredLike(string Type, IReadOnlyDictionary<string, string> Payload);
}
