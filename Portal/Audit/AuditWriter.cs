using System.Text.Json;
using Portal.Access;
using Portal.Data;

namespace Portal.Audit;

/// <summary>Adds audit entries to the caller's unit of work, so a change and its audit entry commit together.</summary>
public sealed class AuditWriter(TenantContext tenant, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Record(PortalDbContext db, string action, string targetOrgId, object? before = null, object? after = null)
    {
        db.AuditEntries.Add(new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            ActorUserId = tenant.UserId,
            ActorApiKeyId = tenant.ApiKeyId,
            ActorName = tenant.DisplayName,
            HomeOrgId = tenant.HomeOrgId,
            ActingOrgId = tenant.ActingOrgId,
            TargetOrgId = targetOrgId,
            Action = action,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
            Source = tenant.Source,
            ClientAddress = tenant.ClientAddress,
        });
    }
}
