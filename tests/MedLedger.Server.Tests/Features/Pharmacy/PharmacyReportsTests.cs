using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>The pharmacy's daily summary (stock moved, sales, takings, in its time zone) and the CSV export of stock movements.</summary>
public sealed class PharmacyReportsTests : SdkTestBase
{
    // UTC+14 and UTC−11: 25 hours apart, so any instant falls on different calendar dates in the two.
    private const string EarliestZone = "Pacific/Kiritimati";
    private const string LatestZone = "Pacific/Pago_Pago";

    private async Task<(SdkUser Pharmacist, Guid Pharmacy)> PharmacyAsync(string name)
    {
        var pharmacist = await World.VerifiedAsync(await World.AdminAsync(), Role.Pharmacist, OrganizationKind.Pharmacy, name);
        return (pharmacist, pharmacist.OrganizationId!.Value);
    }

    private static DateOnly DateIn(string zone, DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);

    [Fact]
    public async Task The_daily_summary_adds_up_the_days_movements_sales_and_takings_in_the_pharmacys_time_zone()
    {
        var (pharmacist, pharmacy) = await PharmacyAsync("Summary Pharmacy");
        var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(200);
        var para = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Paracetamol", "500 mg", DosageForm.Tablet, 20, 349, "EUR", false, DrugSchedule.None, 5));
        var ibu = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Ibuprofen", "400 mg", DosageForm.Tablet, 20, 499, "EUR", false, DrugSchedule.None, 5));
        var lot = await pharmacist.Client.ReceiveStockAsync(pharmacy, para.Id, "P-1", expires, 40);
        await pharmacist.Client.ReceiveStockAsync(pharmacy, ibu.Id, "I-1", expires, 10);
        await pharmacist.Client.SellAsync(pharmacy, para.Id, 3);
        await pharmacist.Client.SellAsync(pharmacy, para.Id, 2);
        await pharmacist.Client.SellAsync(pharmacy, ibu.Id, 1);
        await pharmacist.Client.WriteOffStockAsync(pharmacy, lot.Id, 4, "blister damaged");
        await pharmacist.Client.ReturnStockAsync(pharmacy, lot.Id, 1, "unopened");
        // Two units reserved for an order: they leave stock as sold, counted as an order reservation, not a walk-in sale.
        await pharmacist.Client.ReserveStockAsync([new OrderItem(ibu.Id, 2)], DateTimeOffset.UtcNow.AddHours(2));
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.TopUpAsync(5000, "EUR", "card-auth-summary");
        var paid = await patient.Client.PayAsync((await pharmacist.Client.CreatePayableAsync(patient.Id, 1250, "EUR")).Id);
        await pharmacist.Client.RefundPaymentAsync(paid.Id, 250);
        var at = (await pharmacist.Client.StockMovementsAsync(pharmacy)).Max(m => m.At);

        var day = DateIn(EarliestZone, at);
        var summary = await pharmacist.Client.PharmacyDailySummaryAsync(pharmacy, day, EarliestZone);

        Assert.Equal((day, EarliestZone, 3, 0, 1), (summary.Date, summary.Zone, summary.Sales, summary.Dispenses, summary.OrderReservations));
        Assert.True(summary.From <= at && at < summary.To);
        Assert.Equal(TimeSpan.FromHours(24), summary.To - summary.From);
        var p = Assert.Single(summary.Medicines, l => l.MedicineId == para.Id);
        Assert.Equal(("Paracetamol", 40, 5, 0, 4, 1, 0), (p.Name, p.Received, p.Sold, p.Dispensed, p.WrittenOff, p.Returned, p.Adjusted));
        Assert.Equal((10, 3), Assert.Single(summary.Medicines, l => l.MedicineId == ibu.Id) is var i ? (i.Received, i.Sold) : default);
        var eur = Assert.Single(summary.Takings);
        Assert.Equal(("EUR", 1, 1250L, 1, 250L, 1000L), (eur.Currency, eur.Payments, eur.Paid, eur.Refunds, eur.Refunded, eur.Net));

        // The same instant is another calendar day eleven hours behind UTC: that day holds it, the earlier zone's date does not.
        var behind = await pharmacist.Client.PharmacyDailySummaryAsync(pharmacy, day, LatestZone);
        Assert.Empty(behind.Medicines);
        Assert.Empty(behind.Takings);
        Assert.Equal(3, (await pharmacist.Client.PharmacyDailySummaryAsync(pharmacy, DateIn(LatestZone, at), LatestZone)).Sales);
        // Another pharmacy's day is its own.
        var (other, otherPharmacy) = await PharmacyAsync("Quiet Pharmacy");
        var quiet = await other.Client.PharmacyDailySummaryAsync(otherPharmacy, day, EarliestZone);
        Assert.Equal((0, 0), (quiet.Sales, quiet.Medicines.Count + quiet.Takings.Count));
    }

    [Fact]
    public async Task The_csv_export_lists_each_movement_with_names_and_makes_typed_text_inert_for_spreadsheets()
    {
        var (pharmacist, pharmacy) = await PharmacyAsync("Export Pharmacy");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var m = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Cetirizine, \"film-coated\"", "10 mg", DosageForm.Tablet, 30, 599, "EUR", false, DrugSchedule.None, 5));
        var lot = await pharmacist.Client.ReceiveStockAsync(pharmacy, m.Id, "C-7", today.AddDays(120), 12, "=HYPERLINK(\"http://evil.example\")");
        await pharmacist.Client.WriteOffStockAsync(pharmacy, lot.Id, 2, "+cmd|' /C calc'!A0");
        await pharmacist.Client.SellAsync(pharmacy, m.Id, 3);

        var csv = Encoding.UTF8.GetString(await pharmacist.Client.ExportStockMovementsCsvAsync(pharmacy, today.AddDays(-1), today.AddDays(1)));
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("at,operation,medicine,strength,form,pack_size,lot,lot_expires,kind,quantity,reason,reference,actor", lines[0]);
        Assert.True(lines.Length == 4, csv);
        // The test clock stands still, so the three movements share one instant and their order is not fixed: find each by kind.
        string Line(string kind) => Assert.Single(lines, l => l.Contains("," + kind + ",", StringComparison.Ordinal));
        Assert.All(lines.Skip(1), l => Assert.Contains(",\"Cetirizine, \"\"film-coated\"\"\",10 mg,Tablet,30,C-7,", l, StringComparison.Ordinal));
        Assert.Contains(",Received,12,,\"'=HYPERLINK(\"\"http://evil.example\"\")\",", Line("Received"), StringComparison.Ordinal);
        Assert.Contains(",WrittenOff,2,'+cmd|' /C calc'!A0,,", Line("WrittenOff"), StringComparison.Ordinal);
        Assert.Contains(",Sold,3,walk-in sale,,", Line("Sold"), StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(pharmacist.Id.ToString(), l, StringComparison.Ordinal));
        // A period with nothing in it is just the header.
        Assert.Single(Encoding.UTF8.GetString(await pharmacist.Client.ExportStockMovementsCsvAsync(pharmacy, today.AddDays(10), today.AddDays(11)))
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Bad_report_parameters_are_named_in_a_422_and_another_pharmacys_reports_are_refused()
    {
        var (pharmacist, pharmacy) = await PharmacyAsync("Report Refusal Pharmacy");
        var api = pharmacist.Client;
        var cases = new[]
        {
            ($"/api/pharmacies/{pharmacy}/reports/daily", "date is required"),
            ($"/api/pharmacies/{pharmacy}/reports/daily?date=2026-13-01", "date is required"),
            ($"/api/pharmacies/{pharmacy}/reports/daily?date=2026-12-01&zone=Mars/Olympus", "zone must be an IANA"),
            ($"/api/pharmacies/{pharmacy}/reports/movements.csv?from=2026-12-02&to=2026-12-01", "to must not be before from"),
            ($"/api/pharmacies/{pharmacy}/reports/movements.csv?from=2025-01-01&to=2026-12-01", "at most 366 days"),
            ($"/api/pharmacies/{pharmacy}/reports/movements.csv?to=2026-12-01", "from is required"),
        };
        foreach (var (url, message) in cases)
        {
            using var http = Host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await api.GetAccessTokenAsync());
            var res = await http.GetAsync(url);
            Assert.True(res.StatusCode == HttpStatusCode.UnprocessableEntity, $"{url} answered {res.StatusCode}");
            Assert.Contains(message, await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var (other, _) = await PharmacyAsync("Nosy Pharmacy");
        var daily = await Assert.ThrowsAsync<MedLedgerApiException>(() => other.Client.PharmacyDailySummaryAsync(pharmacy, DateOnly.FromDateTime(DateTime.UtcNow)));
        var export = await Assert.ThrowsAsync<MedLedgerApiException>(() => other.Client.ExportStockMovementsCsvAsync(pharmacy, DateOnly.FromDateTime(DateTime.UtcNow), DateOnly.FromDateTime(DateTime.UtcNow)));
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (daily.Status, export.Status));
    }
}
