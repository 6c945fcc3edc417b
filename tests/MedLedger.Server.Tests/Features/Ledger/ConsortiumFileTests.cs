using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// The consortium file of `medledger serve --consortium` (docs/ledger.md "Running a consortium"): parsed and checked in one
/// place, every mistake named in one start-up error, mapped onto the Ledger:* options of one member's peer.
/// </summary>
public sealed class ConsortiumFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("medledger-consortium-").FullName;
    private readonly (byte[] Private, byte[] Public)[] _keys = [LedgerCrypto.GenerateKeyPair(), LedgerCrypto.GenerateKeyPair(), LedgerCrypto.GenerateKeyPair()];

    public ConsortiumFileTests() => File.WriteAllText(Path.Combine(_dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Json(int? threshold = null, string caFile = "ca.pem") => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["name"] = "test-consortium",
        ["threshold"] = threshold,
        ["members"] = new[] { "hospital-a", "hospital-b", "insurer" }.Select((p, i) => new { peerId = p, publicKey = Convert.ToBase64String(_keys[i].Public), organization = $"Org {i}", apiUrl = $"http://127.0.0.1:{5181 + i}" }),
        ["etcd"] = new { endpoints = new[] { "https://127.0.0.1:23790", "https://127.0.0.1:23792" }, caFile },
    });

    [Fact]
    public void A_valid_file_maps_onto_the_ledger_options_of_the_named_peer_with_the_other_members_keys()
    {
        var file = ConsortiumFile.Parse(Json(), _dir);
        Assert.Equal(2, file.Threshold); // majority of three when the file names none
        var cert = Path.Combine(_dir, "client.pem");
        var key = Path.Combine(_dir, "client-key.pem");
        File.WriteAllText(cert, "c");
        File.WriteAllText(key, "k");

        var settings = file.SettingsFor("hospital-b", _keys[1].Private, cert, key);

        Assert.Equal("etcd", settings["Ledger:Ordering"]);
        Assert.Equal("hospital-b", settings["Ledger:PeerId"]);
        Assert.Equal(Path.Combine(_dir, "ca.pem"), settings["Ledger:Etcd:CaFile"]);
        Assert.Equal("https://127.0.0.1:23792", settings["Ledger:Etcd:Endpoints:1"]);
        Assert.Equal(Convert.ToBase64String(_keys[0].Public), settings["Ledger:PeerKeys:hospital-a"]);
        Assert.Equal(Convert.ToBase64String(_keys[2].Public), settings["Ledger:PeerKeys:insurer"]);
        Assert.False(settings.ContainsKey("Ledger:PeerKeys:hospital-b"));
        Assert.Equal(3, file.PeerKeys().Count);
    }

    [Fact]
    public void A_peer_the_file_does_not_list_or_a_key_that_is_not_the_listed_one_is_refused()
    {
        var file = ConsortiumFile.Parse(Json(threshold: 3), _dir);
        Assert.Equal(3, file.Threshold);
        var notMember = Assert.Throws<ConsortiumFileException>(() => file.SettingsFor("pharmacy", _keys[0].Private, "x", "y"));
        Assert.Contains("not a member", notMember.Message, StringComparison.Ordinal);
        var wrongKey = Assert.Throws<ConsortiumFileException>(() => file.SettingsFor("hospital-a", _keys[1].Private, "x", "y"));
        Assert.Contains("not the one the consortium file lists for 'hospital-a'", wrongKey.Message, StringComparison.Ordinal);
        var noCert = Assert.Throws<ConsortiumFileException>(() => file.SettingsFor("hospital-a", _keys[0].Private, Path.Combine(_dir, "missing.pem"), "y"));
        Assert.Contains("etcd client certificate", noCert.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_absent_from_the_file_is_accepted_only_to_join_and_is_configured_with_the_genesis_members_alone()
    {
        var file = ConsortiumFile.Parse(Json(), _dir);
        var cert = Path.Combine(_dir, "client-d.pem");
        var key = Path.Combine(_dir, "client-d-key.pem");
        File.WriteAllText(cert, "c");
        File.WriteAllText(key, "k");
        var (clinicKey, _) = LedgerCrypto.GenerateKeyPair();

        var refused = Assert.Throws<ConsortiumFileException>(() => file.SettingsFor("clinic-d", clinicKey, cert, key));
        Assert.Contains("starts with --join <member-url>", refused.Message, StringComparison.Ordinal);

        var settings = file.SettingsFor("clinic-d", clinicKey, cert, key, joining: true);
        Assert.Equal("true", settings["Ledger:AdmittedAfterGenesis"]);
        Assert.Equal("clinic-d", settings["Ledger:PeerId"]);
        Assert.Equal(3, settings.Keys.Count(k => k.StartsWith("Ledger:PeerKeys:", StringComparison.Ordinal)));
        Assert.False(settings.ContainsKey("Ledger:PeerKeys:clinic-d"));
        // A member of the file joining (lost disk) is still held to its listed key and is no late admission.
        Assert.False(file.SettingsFor("hospital-b", _keys[1].Private, cert, key, joining: true).ContainsKey("Ledger:AdmittedAfterGenesis"));
        Assert.Throws<ConsortiumFileException>(() => file.SettingsFor("hospital-a", _keys[1].Private, cert, key, joining: true));
    }

    [Fact]
    public void A_bad_file_names_every_mistake_in_one_error()
    {
        var bad = """
            { "name": "", "threshold": 5,
              "members": [ { "peerId": "a/b", "publicKey": "bm90IGEga2V5", "organization": "X", "apiUrl": "ftp://x" },
                           { "peerId": "a/b", "organization": "Y", "apiUrl": "http://y" } ],
              "etcd": { "endpoints": ["http://127.0.0.1:2379"], "caFile": "nowhere.pem" } }
            """;
        var e = Assert.Throws<ConsortiumFileException>(() => ConsortiumFile.Parse(bad, _dir));
        foreach (var expected in new[] { "name:", "members[0].peerId", "members[0].publicKey", "members[0].apiUrl", "members[1].publicKey", "threshold", "etcd.endpoints", "etcd.caFile" })
        {
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        Assert.Contains("not JSON", Assert.Throws<ConsortiumFileException>(() => ConsortiumFile.Parse("{ nope", _dir)).Message, StringComparison.Ordinal);
        Assert.Throws<ConsortiumFileException>(() => ConsortiumFile.Load(Path.Combine(_dir, "absent.json")));
    }

    [Fact]
    public void Two_members_with_one_key_and_a_point_off_the_curve_are_refused()
    {
        var offCurve = new byte[65];
        offCurve[0] = 4;
        offCurve[64] = 7;
        var json = JsonSerializer.Serialize(new
        {
            name = "c",
            members = new[]
            {
                new { peerId = "a", publicKey = Convert.ToBase64String(_keys[0].Public), organization = "A", apiUrl = "http://a" },
                new { peerId = "b", publicKey = Convert.ToBase64String(_keys[0].Public), organization = "B", apiUrl = "http://b" },
                new { peerId = "c", publicKey = Convert.ToBase64String(offCurve), organization = "C", apiUrl = "http://c" },
            },
            etcd = new { endpoints = new[] { "https://127.0.0.1:1" }, caFile = "ca.pem" },
        });
        var e = Assert.Throws<ConsortiumFileException>(() => ConsortiumFile.Parse(json, _dir));
        Assert.Contains("members[1].publicKey: the same key is listed for two members", e.Message, StringComparison.Ordinal);
        Assert.Contains("members[2].publicKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_peer_key_is_read_from_an_openssl_pem_or_32_raw_bytes()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = Path.Combine(_dir, "peer-key.pem");
        File.WriteAllText(pem, ec.ExportECPrivateKeyPem());
        Assert.Equal(ec.ExportParameters(true).D, ConsortiumFile.ReadPeerKey(pem));
        var raw = Path.Combine(_dir, "peer.key");
        File.WriteAllBytes(raw, _keys[0].Private);
        Assert.Equal(_keys[0].Private, ConsortiumFile.ReadPeerKey(raw));
        var junk = Path.Combine(_dir, "junk");
        File.WriteAllText(junk, "not a key");
        Assert.Contains("neither a PEM EC private key", Assert.Throws<ConsortiumFileException>(() => ConsortiumFile.ReadPeerKey(junk)).Message, StringComparison.Ordinal);
    }
}
