namespace MedLedger.Server.Infrastructure.OpenApi;

/// <summary>Route-table helper: the problem statuses a handler's own code answers (RFC 9457, application/problem+json).</summary>
public static class ProblemResponses
{
    /// <summary>Declares each status as a problem response; 422 carries the validation <c>errors</c> map.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _ = status == StatusCodes.Status422UnprocessableEntity
                ? builder.ProducesValidationProblem(status)
                : builder.ProducesProblem(status);
        }
        return builder;
    }
}
