using MedLedger.Server.Infrastructure.Messaging;
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
            app.MapGet("/api/dev/outbox", ReadOutbox).AllowAnonymous().WithTags("Development");
        }
        return app;
    }

    /// <summary>The local outbox (one-time codes of demo users); 404 with a real SMTP sender.</summary>
    private static IResult ReadOutbox(string to, IMessageSender sender) =>
        sender is OutboxMessageSender outbox
            ? Results.Ok(outbox.ReadFor(to))
            : Results.Problem(statusCode: 404, title: "Not found", detail: "The outbox exists only with the embedded message sender.");
}
