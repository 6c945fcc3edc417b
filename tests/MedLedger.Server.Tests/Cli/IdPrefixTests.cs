using MedLedger.Cli;

namespace MedLedger.Server.Tests.Cli;

/// <summary>Short ids as the web app shows them: matched among the caller's own ids, never guessed.</summary>
public sealed class IdPrefixTests
{
    private static readonly Guid A = Guid.Parse("a831262f-1111-4000-8000-000000000001");
    private static readonly Guid B = Guid.Parse("a831262f-2222-4000-8000-000000000002");
    private static readonly Guid C = Guid.Parse("0c0ffee0-3333-4000-8000-000000000003");

    [Fact]
    public void A_unique_prefix_names_its_id_in_any_case_and_with_hyphens()
    {
        Assert.Equal(C, IdPrefix.Match("0c0f", "record", [A, B, C]));
        Assert.Equal(A, IdPrefix.Match("A831262F-1", "record", [A, B, C]));
        Assert.Equal(B, IdPrefix.Match("a831262f2222", "record", [A, B, C]));
    }

    [Fact]
    public void An_ambiguous_prefix_is_refused_and_names_the_candidates()
    {
        var e = Assert.Throws<InvalidOperationException>(() => IdPrefix.Match("a831262f", "record", [A, B, C]));
        Assert.Contains("ambiguous", e.Message);
        Assert.Contains("2 records", e.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("xyz12345")]
    [InlineData("")]
    [InlineData("a831262f11114000800000000000000011")]
    public async Task Too_short_or_not_hex_is_refused_before_anything_is_listed(string text)
    {
        var listed = false;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => IdPrefix.ResolveAsync(text, "grant", () =>
        {
            listed = true;
            return Task.FromResult<IEnumerable<Guid>>([A]);
        }));
        Assert.Contains("not a grant id", e.Message);
        Assert.False(listed);
    }

    [Fact]
    public async Task A_prefix_nobody_has_is_refused_and_a_full_id_is_taken_as_it_is()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => IdPrefix.ResolveAsync("dead", "order", () => Task.FromResult<IEnumerable<Guid>>([A, B, C])));
        Assert.Contains("No order of yours", e.Message);
        // A full id is not checked against the list: the server answers for ids the caller cannot see.
        var other = Guid.NewGuid();
        Assert.Equal(other, await IdPrefix.ResolveAsync(other.ToString(), "order", () => throw new InvalidOperationException("not listed")));
    }
}
