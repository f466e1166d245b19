namespace Portal.Access;

/// <summary>The rule every named thing (org, API key) follows: trimmed, not empty, not too long, no control characters.</summary>
public static class DisplayNames
{
    /// <param name="emptyMessage">What to ask for when the name is empty ("Give the organization a name.").</param>
    /// <param name="noun">How the messages call these names ("Names", "Key names").</param>
    /// <returns>The trimmed name.</returns>
    public static string Validate(string? name, int maxLength, string emptyMessage, string noun)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new RuleViolationException("name_required", emptyMessage, "name");
        }

        if (trimmed.Length > maxLength)
        {
            throw new RuleViolationException("name_too_long", $"{noun} are at most {maxLength} characters.", "name");
        }

        if (trimmed.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || trimmed.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            throw new RuleViolationException("name_invalid", $"{noun} cannot contain control characters.", "name");
        }

        return trimmed;
    }
}
