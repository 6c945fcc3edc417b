using System.Net;
using MedLedger.Server.Infrastructure.Messaging;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Dev;

/// <summary>Development aids, mapped only when the server runs with --demo.</summary>
public static class DevEndpoints
{
    public static IServiceCollection AddDev(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.Section));
        return services;
    }

    public static IEndpointRouteBuilder MapDev(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled)
        {
            app.MapPost("/api/dev/outbox", ReadOutbox).AllowAnonymous().WithTags("Development").WithSummary("Demo only, loopback only: the latest messages sent to an address (one-time codes)").ProducesProblems(404);
        }
        return app;
    }

    /// <summary>
    /// The local outbox (one-time codes of demo users). A demo server reachable from the network must not hand out
    /// sign-in codes, so anything but a loopback caller gets the same 404 as a server without the endpoint.
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyList<OutgoingMessage>>, ProblemHttpResult>> ReadOutbox(DevOutboxRequest r, HttpContext http, IMessageSender sender, OneTimeCodeQueue codes)
    {
        if (http.Connection.RemoteIpAddress is not { } ip || !IPAddress.IsLoopback(ip))
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found", detail: "The dev outbox answers only on the loopback interface.");
        }
        // Codes are sent off the request path: wait until those queued by earlier requests are written, so a caller
        // reading right after asking for a code finds it.
        await codes.DeliveredAsync().WaitAsync(http.RequestAborted);
        return sender is OutboxMessageSender outbox
            ? TypedResults.Ok(outbox.ReadFor(r.To ?? ""))
            : TypedResults.Problem(statusCode: 404, title: "Not found", detail: "The outbox exists only with the embedded message sender.");
    }
}
