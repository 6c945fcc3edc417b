using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MedLedger.Crypto;

namespace MedLedger.Client;

// Wire shapes of the MedLedger API (see /openapi/v1.json) sit next to the calls of their module (AccountClient.cs,
// RecordsClient.cs…); this file holds the ones every module shares, the session and the HTTP core. They are kept
// separate from the server's types on purpose: the SDK must work against the documented API, not the server's internals.

public enum Role { Patient, Doctor, HospitalStaff, Pharmacist, InsurerStaff, PlatformAdmin }

public enum VerificationStatus { NotRequired, Pending, Approved, Rejected }

public sealed record Me(Guid Id, string Email, Role Role, VerificationStatus Verification, string? VerificationReason, Guid? OrganizationId, bool TotpEnabled, bool CanAct, string? CannotActReason);

public sealed record Tokens(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt, Me User);

/// <summary>
/// Typed client for the MedLedger API. Every encryption, decryption and signature happens here,
/// on the user's device; the server receives only ciphertext, wraps, public keys and signed transactions.
/// </summary>
public sealed partial class MedLedgerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);

    public MedLedgerClient(HttpClient http, bool ownsHttp = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _ownsHttp = ownsHttp;
    }

    public MedLedgerClient(Uri baseAddress) : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) }, ownsHttp: true) { }

    public Uri? BaseAddress => _http.BaseAddress;

    /// <summary>The signed-in user's tokens (null before login).</summary>
    public Tokens? Tokens { get; private set; }

    /// <summary>The signed-in user's unlocked key pairs; they exist only in this process's memory.</summary>
    public KeyBundle? Keys { get; private set; }

    public Guid UserId => Tokens?.User.Id ?? throw new InvalidOperationException("Not signed in.");

    /// <summary>Raised after tokens rotate so a caller (the CLI) can persist them.</summary>
    public event Action<Tokens>? TokensChanged;

    /// <summary>Restores a saved session (CLI): tokens plus keys that were kept encrypted on disk.</summary>
    public void Restore(Tokens tokens, KeyBundle? keys)
    {
        Tokens = tokens;
        Keys = keys;
    }

    /// <summary>A valid access token, refreshing (and rotating the refresh token) when it is close to expiry.</summary>
    public async Task<string> GetAccessTokenAsync(CancellationToken ct = default)
    {
        var t = Tokens ?? throw new InvalidOperationException("Not signed in.");
        if (t.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30))
        {
            return t.AccessToken;
        }
        await _refreshLock.WaitAsync(ct);
        try
        {
            t = Tokens!;
            if (t.AccessTokenExpiresAt > DateTimeOffset.UtcNow.AddSeconds(30))
            {
                return t.AccessToken;
            }
            var fresh = await SendAsync<Tokens>(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = t.RefreshToken }, authorize: false, ct);
            SetTokens(fresh);
            return fresh.AccessToken;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    // ---------- plumbing ----------

    private void SetTokens(Tokens tokens)
    {
        Tokens = tokens;
        TokensChanged?.Invoke(tokens);
    }

    internal async Task<T> SendAsync<T>(HttpMethod method, string url, object? body, bool authorize, CancellationToken ct, HttpContent? content = null, string? idempotencyKey = null)
    {
        var res = await SendOnceAsync(method, url, body, authorize, content, ct, idempotencyKey);
        if (res.StatusCode == HttpStatusCode.Unauthorized && authorize && content is null && Tokens is not null)
        {
            // The access token may have expired by the server's clock: rotate once and retry.
            res.Dispose();
            await ForceRefreshAsync(ct);
            res = await SendOnceAsync(method, url, body, authorize, content, ct, idempotencyKey);
        }
        return await ReadAnswerAsync<T>(res, ct);
    }

    /// <summary>
    /// As <see cref="SendAsync{T}(HttpMethod, string, object?, bool, CancellationToken, HttpContent?, string?)"/>, authorized,
    /// with a body <paramref name="content"/> builds: built again for the one retry after a token refresh (sent content is spent).
    /// </summary>
    internal async Task<T> SendAsync<T>(HttpMethod method, string url, Func<HttpContent> content, CancellationToken ct)
    {
        var res = await SendOnceAsync(method, url, null, authorize: true, content(), ct);
        if (res.StatusCode == HttpStatusCode.Unauthorized && Tokens is not null)
        {
            res.Dispose();
            await ForceRefreshAsync(ct);
            res = await SendOnceAsync(method, url, null, authorize: true, content(), ct);
        }
        return await ReadAnswerAsync<T>(res, ct);
    }

    private static async Task<T> ReadAnswerAsync<T>(HttpResponseMessage res, CancellationToken ct)
    {
        using (res)
        {
            if (!res.IsSuccessStatusCode)
            {
                throw await MedLedgerApiException.FromResponseAsync(res, ct);
            }
            if (typeof(T) == typeof(object) || res.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted)
            {
                return default!;
            }
            if (typeof(T) == typeof(byte[]))
            {
                return (T)(object)await res.Content.ReadAsByteArrayAsync(ct);
            }
            return (await res.Content.ReadFromJsonAsync<T>(ApiJson.Options, ct))!;
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, string url, object? body, bool authorize, HttpContent? content, CancellationToken ct, string? idempotencyKey = null)
    {
        using var req = new HttpRequestMessage(method, url);
        if (idempotencyKey is not null)
        {
            // Payments and top-ups: a retry with the same key returns the first result (docs/payments.md).
            req.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (content is not null)
        {
            req.Content = content;
        }
        else if (body is not null)
        {
            req.Content = JsonContent.Create(body, body.GetType(), options: ApiJson.Options);
        }
        if (authorize)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await GetAccessTokenAsync(ct));
        }
        if (ViewTreeSize is > 0 and var viewSize)
        {
            req.Headers.Add("Ledger-View-Size", viewSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return await _http.SendAsync(req, HttpCompletionOption.ResponseContentRead, ct);
    }

    private async Task ForceRefreshAsync(CancellationToken ct)
    {
        await _refreshLock.WaitAsync(ct);
        try
        {
            var fresh = await SendAsync<Tokens>(HttpMethod.Post, "/api/auth/refresh", new { refreshToken = Tokens!.RefreshToken }, authorize: false, ct);
            SetTokens(fresh);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public void Dispose()
    {
        _refreshLock.Dispose();
        _viewLock.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}

internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }
}
