using System.Text.Json;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// The hospitals and beds verbs of the `medledger` binary, each in its own process and
/// non-interactive, against `serve --demo` on a real loopback port (SDK → HTTP → server).
/// </summary>
public sealed partial class HospitalCliTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _demo = await DemoServerProcess.StartAsync();
        _url = _demo.Url;
    }

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<(int Exit, string Out)> Run(string? home, params string[] args) => (await _demo.RunAsync(home, args)).Combined;

    [Fact]
    public async Task Staff_set_beds_patient_searches_books_and_staff_admits_through_the_cli()
    {
        var users = _demo.Accounts;
        var staff = users.First(u => u.Role == "HospitalStaff");
        var patient = users.First(u => u.Role == "Patient");
        var homes = await Task.WhenAll(_demo.LoginAsync(staff), _demo.LoginAsync(patient));
        var (staffHome, patientHome) = (homes[0], homes[1]);
        var token = (await Run(staffHome, "token")).Out.Trim();
        string hospital;
        using (var http = new HttpClient { BaseAddress = new Uri(_url) })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            hospital = JsonDocument.Parse(await http.GetStringAsync("/api/me")).RootElement.GetProperty("organizationId").GetString()!;
        }

        var set = await Run(staffHome, "beds", "set", hospital, "--ward", "ICU North", "--type", "icu", "--total", "2", "--occupied", "1");
        Assert.True(set.Exit == 0, set.Out);
        Assert.Contains("ICU North", set.Out);
        // An existing ward keeps its type; inconsistent counts are refused with the server's problem.
        var bad = await Run(staffHome, "beds", "set", hospital, "--ward", "ICU North", "--total", "2", "--occupied", "3");
        Assert.Equal(1, bad.Exit);
        Assert.Contains("422", bad.Out);
        Assert.Contains("occupied must not exceed total", bad.Out);
        var newWard = await Run(staffHome, "beds", "set", hospital, "--ward", "Nowhere", "--total", "2", "--occupied", "0");
        Assert.Equal(1, newWard.Exit);
        Assert.Contains("--type", newWard.Out);

        var show = await Run(patientHome, "beds", "show", hospital);
        Assert.True(show.Exit == 0, show.Out);
        Assert.Matches(@"ICU North\s*[│|]\s*icu\s*[│|]\s*2\s*[│|]\s*1\s*[│|]\s*0\s*[│|]\s*1", show.Out);

        var search = await Run(patientHome, "hospitals", "search", "--near", "52.52,13.40", "--radius", "10", "--bed-type", "icu");
        Assert.True(search.Exit == 0, search.Out);
        Assert.Contains(hospital, search.Out);
        Assert.Contains("icu 1", search.Out);
        Assert.Contains("1 hospital(s) within range", search.Out);
        var badNear = await Run(patientHome, "hospitals", "search", "--near", "north");
        Assert.Equal(1, badNear.Exit);
        Assert.Contains("--near must be LAT,LON", badNear.Out);
        var tooFar = await Run(patientHome, "hospitals", "search", "--near", "52.52,13.40", "--radius", "500");
        Assert.Equal(1, tooFar.Exit);
        Assert.Contains("422", tooFar.Out);

        var book = await Run(patientHome, "beds", "book", hospital, "--type", "icu");
        Assert.True(book.Exit == 0, book.Out);
        var bookingId = book.Out.Trim().Split('\n').Last().Trim();
        Assert.Matches(CliOutput.GuidLine(), bookingId);
        var full = await Run(patientHome, "beds", "book", hospital, "--type", "icu");
        Assert.Equal(1, full.Exit);
        Assert.Contains("409", full.Out);
        Assert.Contains("already hold a bed", full.Out);

        Assert.Contains(bookingId, (await Run(patientHome, "beds", "bookings")).Out);
        var staffList = await Run(staffHome, "beds", "bookings", "--status", "Held");
        Assert.Contains(bookingId, staffList.Out);
        var admit = await Run(staffHome, "beds", "admit", bookingId);
        Assert.True(admit.Exit == 0, admit.Out);
        Assert.Contains("Admitted", admit.Out);
        Assert.Matches(@"ICU North\s*[│|]\s*icu\s*[│|]\s*2\s*[│|]\s*2\s*[│|]\s*0\s*[│|]\s*0", (await Run(patientHome, "beds", "show", hospital)).Out);
    }
}
