namespace Portal.Access;

/// <summary>The org does not exist, or the caller may not know that it does: both answer the same.</summary>
public sealed class OrgNotFoundException(string orgId)
    : Exception($"Organization '{orgId}' was not found.")
{
    public string OrgId { get; } = orgId;
}

/// <summary>The caller can see the org but lacks the permission for this action.</summary>
public sealed class AccessDeniedException(string orgId, Permission permission)
    : Exception($"You need the '{permission}' permission on this organization to do that.")
{
    public string OrgId { get; } = orgId;
    public Permission Permission { get; } = permission;
}

/// <summary>The request breaks a business rule; nothing was changed.</summary>
public sealed class RuleViolationException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;
}
