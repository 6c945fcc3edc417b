using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The app's one date format (web/src/ui/dates.ts, exposed on the test-only /crypto-check.html): a fixed locale,
/// so every screen reads "3 Dec 2026, 14:05", in the user's own time zone; calendar dates never shift with the zone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DatesBrowserTests(BrowserWorld world)
{
    [Theory]
    [InlineData("Europe/Berlin", "3 Dec 2026, 14:05", "3 Dec 2026")]
    [InlineData("America/Los_Angeles", "3 Dec 2026, 05:05", "3 Dec 2026")]
    [InlineData("Pacific/Auckland", "4 Dec 2026, 02:05", "4 Dec 2026")]
    public async Task Instants_are_shown_in_the_users_time_zone_in_one_fixed_format_and_calendar_dates_never_shift(string zone, string dateTime, string date)
    {
        var context = await world.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = world.Url, TimezoneId = zone, Locale = "de-DE" });
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/crypto-check.html");
            await page.WaitForFunctionAsync("() => document.getElementById('status')?.textContent === 'ready'");
            var shown = await page.EvaluateAsync<string[]>(
                """
                () => {
                  const d = window.medledger.dates;
                  const instant = '2026-12-03T13:05:00Z';
                  return [d.formatDateTime(instant), d.formatDate(instant), d.formatDate('2026-12-03'), d.formatCalendarDate('2026-12-03'),
                          d.formatCalendarDate('2026-03'), d.formatCalendarDate('2026'), d.formatTime(Date.parse(instant)),
                          d.formatRelative(Date.parse(instant) - 5 * 60_000, Date.parse(instant)), d.formatRelative(Date.parse(instant) - 86_400_000, Date.parse(instant)),
                          d.formatDate('not a date')];
                }
                """);
            // The browser's own locale (de-DE here) does not change the format: the app fixes en-GB.
            Assert.Equal([dateTime, date, "3 Dec 2026", "3 Dec 2026", "Mar 2026", "2026", dateTime[(dateTime.IndexOf(", ", StringComparison.Ordinal) + 2)..], "5 minutes ago", "yesterday", "not a date"], shown);
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
