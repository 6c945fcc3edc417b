using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 16 item 3, from the attacker's side: a server that lies to the patient's client about a pharmacy's organization key
/// (so it could read the order) or to the pharmacist's client about an order (so it could change what is handed over or
/// charged). Each lie is refused before anything is sealed, reserved or signed; the honest answer then works.
/// </summary>
public sealed class OrderLyingServerTests : RecordTestBase
{
    private static readonly DateOnly NextYear = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1);

    private async Task<(SdkUser Pharmacist, Guid Pharmacy, Guid Medicine)> PharmacyAsync(string name)
    {
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, name + " " + Guid.NewGuid().ToString("N")[..6]);
        var pharmacy = pharmacist.OrganizationId!.Value;
        await pharmacist.Client.PublishPharmacyKeyAsync();
        var item = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Liarine " + Guid.NewGuid().ToString("N")[..6], "200 mg", DosageForm.Tablet, 10, 250, "EUR",
            PrescriptionOnly: false, DrugSchedule.None, ReorderLevel: 0));
        await pharmacist.Client.ReceiveStockAsync(pharmacy, item.Id, "LIAR-LOT", NextYear, 20);
        return (pharmacist, pharmacy, item.Id);
    }

    [Fact]
    public async Task A_patients_client_seals_an_order_only_for_the_pharmacy_key_anchored_on_the_ledger_and_sends_nothing_otherwise()
    {
        var (_, pharmacy, item) = await PharmacyAsync("Key Liar Pharmacy");
        var (_, other, _) = await PharmacyAsync("Key Liar Other Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var path = $"/api/pharmacies/{pharmacy}/organization-key";
        await client.GetVerifiedPharmacyKeyAsync(other);
        var otherKey = JsonNode.Parse(liar.Answer($"/api/pharmacies/{other}/organization-key"))!;

        // 1. A key the server holds, served with the real receipt; 2. another pharmacy's anchored key with its own receipt;
        // 3. the real key without a receipt. Each would let the wrong party open the order.
        var lies = new Func<JsonNode, JsonNode>[]
        {
            json => { json["publicKey"] = otherKey["publicKey"]!.DeepClone(); json["keyId"] = otherKey["keyId"]!.DeepClone(); return json; },
            json => { var o = otherKey.DeepClone(); o["pharmacyId"] = pharmacy.ToString(); return o; },
            json => { json["receipt"] = null; return json; },
        };
        foreach (var lie in lies)
        {
            liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? lie(json) : null;
            var from = liar.Sent.Count;
            await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.PlaceOrderAsync(pharmacy, [new OrderItem(item, 2)]));
            Assert.Empty(liar.WritesSince(from));
        }
        Assert.Empty(await patient.Client.MyOrdersAsync());

        liar.Lie = null;
        var placed = await client.PlaceOrderAsync(pharmacy, [new OrderItem(item, 2)]);
        Assert.Equal(("placed", 500L), (placed.Status, placed.Amount));
    }

    [Fact]
    public async Task A_pharmacists_client_refuses_an_order_whose_sealed_lines_amount_patient_or_receipt_the_server_changed()
    {
        var (pharmacist, pharmacy, item) = await PharmacyAsync("Order Liar Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        var small = await patient.Client.PlaceOrderAsync(pharmacy, [new OrderItem(item, 1)]);
        var large = await patient.Client.PlaceOrderAsync(pharmacy, [new OrderItem(item, 6)]);
        var stranger = await World.RegisterAsync(Role.Patient);
        var (client, liar) = await LyingServer.SignInAsync(Host, pharmacist);
        var path = $"/api/pharmacies/{pharmacy}/orders/{small.Id}";
        await client.OpenOrderAsync(large.Id);
        var largeJson = JsonNode.Parse(liar.Answer($"/api/pharmacies/{pharmacy}/orders/{large.Id}"))!;

        // The small order as the server would like the pharmacist to read it: the large order's lines (a genuine copy the
        // pharmacy key opens) with or without its hash, its amount, another patient, or the large order's own receipt.
        var lies = new Func<JsonNode, JsonNode>[]
        {
            json => { json["sealedForPharmacy"] = largeJson["sealedForPharmacy"]!.DeepClone(); return json; },
            json => { json["sealedForPharmacy"] = largeJson["sealedForPharmacy"]!.DeepClone(); json["contentHash"] = largeJson["contentHash"]!.DeepClone(); return json; },
            json => { json["amount"] = largeJson["amount"]!.DeepClone(); return json; },
            json => { json["patientId"] = stranger.Id.ToString(); return json; },
            json => { json["receipt"] = largeJson["receipt"]!.DeepClone(); json["placeTransactionId"] = largeJson["placeTransactionId"]!.DeepClone(); return json; },
        };
        foreach (var lie in lies)
        {
            liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == path ? lie(json) : null;
            var from = liar.Sent.Count;
            await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenOrderAsync(small.Id));
            await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.AcceptOrderAsync(small.Id));
            Assert.Empty(liar.WritesSince(from));
        }
        Assert.Equal("placed", (await patient.Client.MyOrderAsync(small.Id)).Status);

        liar.Lie = null;
        var opened = await client.OpenOrderAsync(small.Id);
        Assert.Equal(new OrderLine(item, 1, 250), Assert.Single(opened.Content.Lines));
        Assert.Equal("accepted", (await client.AcceptOrderAsync(small.Id)).Status);
    }
}
