using System.Security.Cryptography;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;
using MedLedger.Server.Features.Ledger;
using Xunit.Abstractions;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 7, "a peer whose contract code is altered produces evidence and never reaches a certificate", with the
/// honest members as real `medledger serve --consortium` processes: hospital-a and hospital-b run the shipped code; the
/// insurer's member is run by this test process with one contract altered (what an organisation running modified code
/// would do), on the same etcd cluster with its own certificate and peer key. Loops are bounded in count and time.
/// </summary>
public sealed class ByzantineMemberProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_member_running_altered_contract_code_is_caught_by_evidence_on_the_honest_servers_and_never_certifies_a_block()
    {
        await using var servers = await ConsortiumServers.StartAsync(launch: [0, 1]);
        var keys = Enumerable.Range(0, 3).ToDictionary(i => ConsortiumServers.Peers[i], servers.PeerKey);
        var publicKeys = keys.ToDictionary(k => k.Key, k => LedgerCrypto.PublicKeyFromPrivate(k.Value));
        var view = new ConsortiumView(publicKeys.Select(k => new ConsortiumMember(k.Key, k.Value)));

        // The insurer's member with altered code: the shipped catalogue, register-keys swapped for one extra state write.
        var altered = new ContractRegistry();
        foreach (var type in LedgerContractCatalog.Create().Types.Order(StringComparer.Ordinal))
        {
            altered.Add(type == RegisterKeysContract.TypeName ? new ExtraKeyRegisterKeys() : LedgerContractCatalog.Create().Find(type)!);
        }
        var store = LedgerStore.Sqlite($"Data Source={Path.Combine(servers.Dir, "insurer", "altered.db")}");
        var options = new LedgerOptions { PeerId = "insurer", CertificateTimeout = TimeSpan.FromSeconds(3) };
        foreach (var (id, key) in publicKeys.Where(k => k.Key != "insurer"))
        {
            options.PeerKeys[id] = key;
        }
        var ordering = new EtcdOrderingService(servers.Cluster.OptionsFor("insurer"), store, "insurer", keys["insurer"], publicKeys);
        await using var byzantine = new LedgerPeer(store, keys["insurer"], options, altered, ordering);
        await byzantine.StartAsync();

        // Honest writes through the two servers' APIs: each is a key registration, certified by the two honest members.
        var acknowledged = new List<LedgerReceipt>();
        for (var n = 0; n < 6; n++)
        {
            using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(servers.Urls[n % 2]), Timeout = TimeSpan.FromSeconds(60) }, ownsHttp: true);
            var reg = await client.RegisterWithDevOutboxAsync($"p{n}-{Guid.NewGuid():N}@byzantine.load.test", "a long load-test passphrase", Role.Patient, ct: CancellationToken.None);
            acknowledged.Add(reg.KeyRegistrationReceipt);
        }
        Assert.All(acknowledged, r => Assert.Null(r.Verify(view)));
        Assert.All(acknowledged, r => Assert.DoesNotContain(view.Signers(r.Head), s => s == "insurer"));

        // The altered member computes other state roots, so other headers: alone it never reaches k = 2.
        var fromByzantine = Consortium.Registration();
        var refused = await Assert.ThrowsAsync<LedgerNotCertifiedException>(() => byzantine.SubmitAsync(fromByzantine));
        Assert.Equal(fromByzantine.Id, refused.TransactionId);
        var itsReceipt = (await byzantine.Queries.GetReceiptAsync(fromByzantine.Id))!;
        Assert.NotNull(itsReceipt.Verify(view));
        Assert.Null(itsReceipt.Verify(publicKeys["insurer"]));

        for (var i = 0; i < 2; i++)
        {
            var honest = servers.Store(i);
            var evidence = await EventuallyAsync(async () => (await honest.GetEvidenceAsync()).Where(e => e.PeerId == "insurer").ToList(), e => e.Count > 0);
            var first = evidence[0];
            // Non-repudiable: the insurer's own key signed header bytes the honest server did not compute at that height.
            Assert.True(LedgerCrypto.Verify(publicKeys["insurer"], first.TheirHeaderBytes, first.TheirSignature));
            Assert.Equal(first.OurHeaderHash, (await honest.GetHeaderAsync(first.Height))!.Hash());
            Assert.NotEqual(first.OurHeaderHash, SHA256.HashData(first.TheirHeaderBytes));
            output.WriteLine($"{ConsortiumServers.Peers[i]}: {evidence.Count} evidence row(s) against the insurer, first at height {first.Height}");

            // From the first divergence on, the insurer is in no certificate, and every block still holds k honest signatures.
            var head = (await honest.GetLatestHeaderAsync())!.Height;
            for (var h = first.Height; h <= head; h++)
            {
                var certificate = await EventuallyAsync(() => honest.GetCertificateAsync(h), c => c.Count >= 2);
                Assert.DoesNotContain(certificate, s => s.PeerId == "insurer");
                var header = (await honest.GetHeaderAsync(h))! with { Certificate = certificate };
                Assert.Null(view.VerifyCertificate(header));
            }
        }
        Assert.Equal(servers.Head(0), await EventuallyAsync(() => Task.FromResult(servers.Head(1)), h => h == servers.Head(0)));
        Assert.NotEqual((await store.GetHeaderAsync(itsReceipt.BlockHeight))!.Hash(), (await servers.Store(0).GetHeaderAsync(itsReceipt.BlockHeight))?.Hash());
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Bound;
        for (var attempt = 0; ; attempt++)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline || attempt > 2000)
            {
                throw new Xunit.Sdk.XunitException($"not within {Bound}: last value {value}");
            }
            await Task.Delay(100);
        }
    }
}
