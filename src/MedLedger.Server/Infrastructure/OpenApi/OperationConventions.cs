using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MedLedger.Server.Infrastructure.OpenApi;

/// <summary>
/// What every operation gets from the pipeline rather than from its route line: an operationId (<c>{Tag}_{Handler}</c>),
/// the bearer requirement when it needs a session, and the problems answered before or around its handler — 401
/// unauthenticated and 403 refused by a policy (<c>ProblemAuthorizationResultHandler</c>), 400 malformed input and 413
/// oversize body (<c>ProblemExceptionHandler</c>, <c>RequestSizeLimitMiddleware</c>), 429 from the sign-in rate limiter.
/// Statuses the handler's own code answers are declared on its route line (<see cref="ProblemResponses.ProducesProblems"/>).
/// </summary>
internal sealed class OperationConventions : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.OperationId ??= OperationId(metadata);
        if (RequiresAuthorization(metadata))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSecurityScheme.Name, context.Document)] = [] });
            await AddProblemAsync(operation, context, 401, "Not signed in, or the session expired or was revoked.", cancellationToken);
            if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null))
            {
                await AddProblemAsync(operation, context, 403, "The caller's role or verification does not satisfy the endpoint's policy.", cancellationToken);
            }
        }
        // "*/*" in an endpoint's Accepts only keeps routing from answering other media types itself (with a fallback route
        // present it would pick that and answer 404): the handler checks the type and answers 415. It is not a body format.
        if (operation.RequestBody?.Content is { Count: > 1 } content)
        {
            content.Remove("*/*");
        }
        var parameters = context.Description.ParameterDescriptions;
        var hasBody = parameters.Any(p => p.Source.Id == "Body");
        // A query value that must be present or parsed can fail binding (RouteHandlerOptions.ThrowOnBadRequest).
        var queryCanFail = parameters.Any(p => p.Source.Id == "Query" && (p.IsRequired || p.Type != typeof(string)));
        if (hasBody || queryCanFail)
        {
            await AddProblemAsync(operation, context, 400, "The request is malformed: invalid JSON, a wrong type, or a missing or unparsable value.", cancellationToken);
        }
        if (hasBody)
        {
            await AddProblemAsync(operation, context, 413, "The request body exceeds the endpoint's size limit.", cancellationToken);
        }
        if (context.Description.RelativePath?.StartsWith("api/auth/", StringComparison.Ordinal) == true)
        {
            await AddProblemAsync(operation, context, 429, "Too many requests from this address (the /api/auth rate limit), or a locked-out sign-in; see Retry-After.", cancellationToken);
        }
        // Route-declared and pipeline responses arrive in two batches: list them in status order.
        if (operation.Responses is { Count: > 1 } responses)
        {
            var ordered = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            responses.Clear();
            foreach (var (status, response) in ordered)
            {
                responses.Add(status, response);
            }
        }
    }

    private static bool RequiresAuthorization(IList<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    /// <summary><c>{first tag}_{handler}</c>, e.g. <c>Records_Write</c>: stable across builds and unique while handler names are
    /// unique per tag (OpenApiDocumentTests checks). Lambdas have no usable name: give those a named handler.</summary>
    private static string? OperationId(IList<object> metadata)
    {
        if (metadata.OfType<MethodInfo>().FirstOrDefault() is not { } handler || handler.Name.Contains('<', StringComparison.Ordinal))
        {
            return null;
        }
        var tag = metadata.OfType<ITagsMetadata>().SelectMany(t => t.Tags).FirstOrDefault()
            ?? handler.DeclaringType?.Name.Replace("Endpoints", "", StringComparison.Ordinal);
        return $"{tag}_{handler.Name}";
    }

    private static async Task AddProblemAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description, CancellationToken ct)
    {
        operation.Responses ??= [];
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.ContainsKey(key))
        {
            return;
        }
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = await ProblemSchemaAsync(context, ct) },
            },
        };
    }

    /// <summary>The shared <c>ProblemDetails</c> component, the same one route lines' ProducesProblem refer to.</summary>
    private static async Task<IOpenApiSchema> ProblemSchemaAsync(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        const string id = nameof(ProblemDetails);
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            document.AddComponent<IOpenApiSchema>(id, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
        }
        return new OpenApiSchemaReference(id, document);
    }
}
