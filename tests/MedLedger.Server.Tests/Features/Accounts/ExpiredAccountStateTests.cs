using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>
/// Anonymous requests must not grow the store without bound: expired challenges (stand-ins for unknown emails included)
/// and spent unknown-email lockout rows are swept, while live state — and every lockout answer — stays as it was.
/// </summary>
public sealed class ExpiredAccountStateTests : HttpUserTestBase
{
    private async Task<SweptAccountState> SweepAsync()
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ExpiredAccountState>().SweepAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Expired_recovery_challenges_for_known_and_unknown_emails_are_swept_and_live_ones_kept()
    {
        var patient = await Users.RegisterAsync(Role.Patient);
        using var c = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostJson("/api/auth/recovery/start", new { email = patient.Email })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await c.PostJson("/api/auth/recovery/start", new { email = "nobody-swept@example.org" })).StatusCode);
        var before = await Db(db => db.LoginChallenges.CountAsync());
        Assert.True(before >= 2, $"expected the two recovery challenges, found {before}");

        // Still live: nothing is swept.
        Assert.Equal(0, (await SweepAsync()).Challenges);
        Assert.Equal(before, await Db(db => db.LoginChallenges.CountAsync()));

        Host.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(before, (await SweepAsync()).Challenges);
        Assert.Equal(0, await Db(db => db.LoginChallenges.CountAsync()));
    }

    [Fact]
    public async Task A_spent_unknown_email_lock_is_swept_a_counting_or_locked_one_is_kept_and_the_answers_do_not_change()
    {
        using var c = Host.CreateClient();
        async Task<HttpStatusCode> Guess(string email) => (await c.PostJson("/api/auth/login", new LoginRequest(email, new byte[32]))).StatusCode;
        const string locked = "locked-then-swept@example.org";
        const string counting = "still-counting@example.org";
        for (var i = 0; i < 5; i++)
        {
            await Guess(locked);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await Guess(counting));

        // Locked (count reset by the lock) and counting: both rows hold state an answer depends on.
        Assert.Equal(0, (await SweepAsync()).UnknownEmailRows);
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(locked));
        Assert.Equal(2, await Db(db => db.Set<UnknownEmailAttempts>().CountAsync()));

        Host.Clock.Advance(TimeSpan.FromMinutes(16)); // past the 15-minute lockout
        Assert.Equal(1, (await SweepAsync()).UnknownEmailRows);
        Assert.Equal(1, await Db(db => db.Set<UnknownEmailAttempts>().CountAsync()));

        // The swept address answers like any unknown email again and locks after the same number of guesses;
        // the counting one keeps its earlier failure (four more lock it).
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await Guess(locked));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(locked));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await Guess(counting));
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await Guess(counting));
    }
}
