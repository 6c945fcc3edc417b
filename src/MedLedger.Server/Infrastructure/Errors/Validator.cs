namespace MedLedger.Server.Infrastructure.Errors;

/// <summary>Collects field errors, then throws one 422 with all of them.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Validator Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }
            list.Add(message);
        }
        return this;
    }

    public Validator RequireText(string? value, string field, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Require(!required, field, $"{field} is required.");
        }
        Require(value.Length <= maxLength, field, $"{field} must be at most {maxLength} characters.");
        return Require(!value.Any(char.IsControl), field, $"{field} must not contain control characters.");
    }

    public bool IsValid => _errors.Count == 0;

    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0)
        {
            throw ProblemException.Invalid(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
