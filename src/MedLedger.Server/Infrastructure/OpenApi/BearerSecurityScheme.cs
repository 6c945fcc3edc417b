using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MedLedger.Server.Infrastructure.OpenApi;

/// <summary>
/// Declares the session token as an HTTP bearer scheme, so the reference page can send authenticated requests. Which
/// operations require it is decided per operation from its authorization metadata (<see cref="OperationConventions"/>).
/// </summary>
internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The opaque session access token from POST /api/auth/login/verify or /api/auth/refresh (not a JWT).",
        };
        return Task.CompletedTask;
    }
}
