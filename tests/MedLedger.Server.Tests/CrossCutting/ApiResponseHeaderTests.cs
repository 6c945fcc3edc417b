using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// Uploaded content leaves the server only inside /api answers, and no /api answer can become a document in a browser:
/// downloaded as an attachment, never sniffed, sandboxed with nothing allowed to load.
/// </summary>
public sealed class ApiResponseHeaderTests : SdkTestBase
{
    [Fact]
    public async Task An_uploaded_file_is_served_as_a_sandboxed_attachment_that_is_never_sniffed()
    {
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var signedIn = await World.LoginAsync(patient.Email, patient.Password, patient.Role, null);
        // An author may claim any content type; this one would run script if a browser rendered it.
        var html = Encoding.UTF8.GetBytes("<html><script>alert(document.cookie)</script></html>");
        var created = await signedIn.Client.CreateFileRecordAsync(html, "text/html");

        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signedIn.Client.Tokens!.AccessToken);
        var read = await http.GetAsync($"/api/records/{created.RecordId}/versions/{created.Version}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        AssertDataOnly(read);
        Assert.Equal("application/json", read.Content.Headers.ContentType?.MediaType);

        // Refusals and unknown paths too (the exception handler rewrites the answer; the headers survive it).
        AssertDataOnly(await http.GetAsync($"/api/records/{Guid.NewGuid()}"));
        AssertDataOnly(await http.GetAsync("/api/no-such-thing"));
        using var anon = Host.CreateClient();
        AssertDataOnly(await anon.GetAsync("/api/me"));

        // Outside /api (the health check, the API description) nothing changes.
        var health = await anon.GetAsync("/health");
        Assert.Null(health.Content.Headers.ContentDisposition);
    }

    private static void AssertDataOnly(HttpResponseMessage res)
    {
        Assert.Equal("attachment", res.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(res.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("sandbox; default-src 'none'", Assert.Single(res.Headers.GetValues("Content-Security-Policy")));
    }
}
